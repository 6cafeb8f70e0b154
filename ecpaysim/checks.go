package ecpaysim

import (
	"errors"
	"fmt"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/taxid"
)

// ErrInvalidCheckValue is the error of RegisterBarcode, RegisterLoveCode
// and RegisterCompany for a value no request could ask about: one that
// breaks the format of its page (or, for a company identifier, its check
// digit).
var ErrInvalidCheckValue = errors.New("ecpaysim: invalid value to register")

// The checks of a buyer's data (資料驗證) answer from what the simulator
// knows: a few built-in values plus those registered by RegisterBarcode,
// RegisterLoveCode, RegisterCompany or the admin API, for every merchant
// (ECPay asks the tax ministry, whose data is the same for all). The
// formats are the pages', checked before any of this (a value that breaks
// one is refused with TransCodeInvalidData, as every request breaking its
// page is):
//
//	operation              request member     known                              unknown
//	CheckBarcode           BarCode            1, IsExist "Y"                     1, IsExist "N"
//	CheckLoveCode          LoveCode           1, IsExist "Y", OrganName          1, IsExist "N", OrganName ""
//	GetCompanyNameByTaxID  UnifiedBusinessNo  1, CompanyName                     7 查無資料; 1200125 for a bad check digit
//
// The RtnCodes are ECPay's (GetCompanyNameByTaxID's 7 and 1200125 from an
// independent client's tests against ECPay's stage, as its overlay says; 1
// is every page's success). The check digit is the Ministry of Finance's
// rule, divisible by 5 since 2023, with the seventh-digit-7 case (package
// internal/taxid names its sources). GetCompanyNameByTaxID is the page
// ECPay's integration guide calls CheckCompanyIdentifier. The built-in
// values are the simulator's own choice, taken from the pages' and SDK's
// examples (their names too are the simulator's, not the tax ministry's):
// BuiltinBarcode, BuiltinLoveCode and BuiltinCompany.
const (
	// BuiltinBarcode is a mobile barcode every Server knows: the CheckBarcode
	// page's example.
	BuiltinBarcode = "/1234567"
	// BuiltinLoveCode is a love code every Server knows, with the OrganName
	// BuiltinOrganName: the one of ECPay's PHP SDK example.
	BuiltinLoveCode  = "168001"
	BuiltinOrganName = "ecpaysim 受贈單位"
	// BuiltinCompany is a company identifier every Server knows, with the
	// CompanyName BuiltinCompanyName: the GetCompanyNameByTaxID page's
	// example.
	BuiltinCompany     = "97025978"
	BuiltinCompanyName = "ecpaysim 公司"
)

// checkData is what the checks of a buyer's data know, under Server.mu.
type checkData struct {
	barcodes  map[string]bool
	loveCodes map[string]string // love code → OrganName
	companies map[string]string // company identifier → CompanyName
}

func newCheckData() checkData {
	return checkData{
		barcodes:  map[string]bool{BuiltinBarcode: true},
		loveCodes: map[string]string{BuiltinLoveCode: BuiltinOrganName},
		companies: map[string]string{BuiltinCompany: BuiltinCompanyName},
	}
}

// RegisterBarcode makes CheckBarcode answer that barcode exists. Errors
// match ErrInvalidCheckValue: a "/" then 7 of 0-9, A-Z, ".", "+", "-" is
// the page's format.
func (s *Server) RegisterBarcode(barcode string) error {
	if err := s.checkFormat(registry.CheckBarcode, "BarCode", barcode); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks.barcodes[barcode] = true
	return nil
}

// RegisterLoveCode makes CheckLoveCode answer that loveCode exists and
// belongs to organName. Errors match ErrInvalidCheckValue: 3 to 7 digits is
// the page's format, and the name must not be empty.
func (s *Server) RegisterLoveCode(loveCode, organName string) error {
	if err := s.checkFormat(registry.CheckLoveCode, "LoveCode", loveCode); err != nil {
		return err
	}
	if organName == "" {
		return fmt.Errorf("%w: love code %s: give the organisation's name (OrganName)", ErrInvalidCheckValue, loveCode)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks.loveCodes[loveCode] = organName
	return nil
}

// RegisterCompany makes GetCompanyNameByTaxID answer companyName for the
// company identifier id. Errors match ErrInvalidCheckValue: 8 digits is the
// page's format, and they must pass the check-digit rule (an id that fails
// it is answered 1200125 whatever is registered), and the name must not be
// empty.
func (s *Server) RegisterCompany(id, companyName string) error {
	if err := s.checkFormat(registry.GetCompanyNameByTaxID, "UnifiedBusinessNo", id); err != nil {
		return err
	}
	if !taxid.Valid(id) {
		return fmt.Errorf("%w: company identifier %s fails the check-digit rule (ECPay answers 1200125 for it)", ErrInvalidCheckValue, id)
	}
	if companyName == "" {
		return fmt.Errorf("%w: company identifier %s: give the company's name (CompanyName)", ErrInvalidCheckValue, id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks.companies[id] = companyName
	return nil
}

// checkFormat checks value against the member of op's request Data schema,
// the page's format for it.
func (s *Server) checkFormat(op *registry.Operation, member, value string) error {
	prop := s.contract.RequestDataSchema(op).Properties[member]
	if prop == nil || prop.Value == nil {
		return fmt.Errorf("ecpaysim: %s's page has no %s", op.Name, member)
	}
	if err := prop.Value.VisitJSON(value); err != nil {
		return fmt.Errorf("%w: %s %q does not match %s's page: %s", ErrInvalidCheckValue, member,
			serving.Truncate(value, 20), op.Name, prop.Value.Description)
	}
	return nil
}

// checkBarcode is CheckBarcode's behaviour.
func checkBarcode(s *Server, req request) outcome {
	code, _ := stringField(req.data, "BarCode")
	s.mu.Lock()
	known := s.checks.barcodes[code]
	s.mu.Unlock()
	return outcome{code: rtnCodeOK, fields: map[string]any{"IsExist": yesNo(known)}}
}

// checkLoveCode is CheckLoveCode's behaviour.
func checkLoveCode(s *Server, req request) outcome {
	code, _ := stringField(req.data, "LoveCode")
	s.mu.Lock()
	name, known := s.checks.loveCodes[code]
	s.mu.Unlock()
	return outcome{code: rtnCodeOK, fields: map[string]any{"IsExist": yesNo(known), "OrganName": name}}
}

// companyName is GetCompanyNameByTaxID's behaviour.
func companyName(s *Server, req request) outcome {
	id, _ := stringField(req.data, "UnifiedBusinessNo")
	if !taxid.Valid(id) {
		return outcome{code: rtnCodeTaxIDCheckDigitFailed, fields: map[string]any{"CompanyName": ""}}
	}
	s.mu.Lock()
	name, known := s.checks.companies[id]
	s.mu.Unlock()
	if !known {
		return outcome{code: rtnCodeNoCompanyData, fields: map[string]any{"CompanyName": ""}}
	}
	return outcome{code: rtnCodeOK, fields: map[string]any{"CompanyName": name}}
}

func yesNo(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}
