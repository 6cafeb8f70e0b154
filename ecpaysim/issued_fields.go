package ecpaysim

import (
	"reflect"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/ledger"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// The answers' Data members of the issued invoice's lifecycle, by their
// JSON names in the pages' response Data schemas; what a request did not
// give is the simulator's own (see IssuedInvoice).

// noIdentifier is a company identifier's value when there is none, as the
// pages say.
const noIdentifier = "0000000000"

func dateTime(inv ledger.Invoice) string { return inv.InvoiceDate.Format(ledger.DateTimeLayout) }

func identifier(s string) string {
	if s == "" {
		return noIdentifier
	}
	return s
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// issuedFields answers Issue and VoidWithReIssue.
func issuedFields(inv ledger.Invoice) map[string]any {
	return map[string]any{"InvoiceNo": inv.InvoiceNo, "InvoiceDate": dateTime(inv), "RandomNumber": inv.RandomNumber}
}

// getIssueFields answers GetIssue.
func getIssueFields(inv ledger.Invoice) map[string]any {
	category := "B2C"
	if inv.CustomerIdentifier != "" {
		category = "B2B"
	}
	items := make([]any, len(inv.Items))
	for i, it := range inv.Items {
		items[i] = map[string]any{"ItemSeq": it.Seq, "ItemName": it.Name, "ItemCount": it.Count, "ItemWord": it.Word,
			"ItemPrice": it.Price, "ItemTaxType": orDefault(it.TaxType, inv.TaxType), "ItemAmount": it.Amount, "ItemRemark": it.Remark}
	}
	return map[string]any{
		"IIS_Mer_ID": inv.MerchantID, "IIS_Number": inv.InvoiceNo, "IIS_Relate_Number": inv.RelateNumber,
		"IIS_Customer_ID": inv.CustomerID, "IIS_Identifier": identifier(inv.CustomerIdentifier),
		"IIS_Customer_Name": inv.CustomerName, "IIS_Customer_Addr": inv.CustomerAddr,
		"IIS_Customer_Phone": inv.CustomerPhone, "IIS_Customer_Email": inv.CustomerEmail,
		"IIS_Clearance_Mark": inv.ClearanceMark, "IIS_Type": inv.InvType, "IIS_Category": category,
		"IIS_Tax_Type": inv.TaxType, "IIS_Tax_Rate": inv.TaxRate(), "IIS_Tax_Amount": inv.TaxAmount(),
		"IIS_Sales_Amount": inv.SalesAmount, "IIS_Check_Number": "", "IIS_Carrier_Type": inv.CarrierType,
		"IIS_Carrier_Num": inv.CarrierNum, "IIS_Love_Code": inv.LoveCode, "IIS_IP": "",
		"IIS_Create_Date": dateTime(inv), "IIS_Issue_Status": "1",
		"IIS_Invalid_Status": flag(inv.Status == ledger.Voided), "IIS_Upload_Status": "0", "IIS_Upload_Date": "",
		"IIS_Turnkey_Status": "", "IIS_Remain_Allowance_Amt": inv.Remaining, "IIS_Print_Flag": inv.Print,
		"IIS_Award_Flag": "0", "IIS_Award_Type": "0", "IIS_Random_Number": inv.RandomNumber,
		"InvoiceRemark": inv.InvoiceRemark, "QRCode_Left": "", "QRCode_Right": "", "PosBarCode": "",
		"Items": items,
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// listedFields is a row of GetIssueList's InvoiceData.
func listedFields(inv ledger.Invoice) map[string]any {
	category := "B2C"
	if inv.CustomerIdentifier != "" {
		category = "B2B"
	}
	return map[string]any{
		"IIS_Number": inv.InvoiceNo, "IIS_Relate_Number": inv.RelateNumber,
		"IIS_Identifier": identifier(inv.CustomerIdentifier), "IIS_Category": category,
		"IIS_Tax_Type": inv.TaxType, "IIS_Tax_Amount": inv.TaxAmount(), "IIS_Sales_Amount": inv.SalesAmount,
		"IIS_Create_Date": dateTime(inv), "IIS_Invalid_Status": flag(inv.Status == ledger.Voided),
		"IIS_Upload_Status": "0", "IIS_Remain_Allowance_Amt": inv.Remaining,
	}
}

// getInvalidFields answers GetInvalid of inv, voided.
func getInvalidFields(inv ledger.Invoice) map[string]any {
	return map[string]any{
		"II_Invoice_No": inv.InvoiceNo, "II_Date": inv.VoidDate.Format(ledger.DateTimeLayout), "Reason": inv.VoidReason,
		"II_Upload_Status": "0", "II_Upload_Date": "", "II_Seller_Identifier": "",
		"II_Buyer_Identifier": identifier(inv.CustomerIdentifier),
	}
}

// allowanceFields answers Allowance and AllowanceByCollegiate.
func allowanceFields(a ledger.Allowance, inv ledger.Invoice, collegiate bool) map[string]any {
	made := a.Date.Format(ledger.DateTimeLayout)
	f := map[string]any{"IA_Allow_No": a.AllowanceNo, "IA_Invoice_No": inv.InvoiceNo, "IA_Remain_Allowance_Amt": a.Remaining}
	if collegiate {
		f["IA_TempDate"] = made
		f["IA_TempExpireDate"] = a.TempExpireDate().Format(ledger.DateTimeLayout)
	} else {
		f["IA_Date"] = made
	}
	return f
}

// getAllowanceFields answers GetAllowance.
func getAllowanceFields(a ledger.Allowance, inv ledger.Invoice) map[string]any {
	tax := a.TaxAmount(inv)
	items := make([]any, len(a.Items))
	for i, it := range a.Items {
		items[i] = map[string]any{"ItemSeq": it.Seq, "ItemName": it.Name, "ItemCount": it.Count, "ItemWord": it.Word,
			"ItemPrice": it.Price, "ItemTaxType": orDefault(it.TaxType, inv.TaxType), "ItemRateAmt": 0, "ItemAmount": it.Amount}
	}
	return map[string]any{
		"IA_Allow_No": a.AllowanceNo, "IA_Invoice_No": a.InvoiceNo, "IA_Date": a.Date.Format(ledger.DateTimeLayout),
		"IA_Invoice_Issue_Date": dateTime(inv), "IA_Identifier": identifier(inv.CustomerIdentifier),
		"IA_Invalid_Status": flag(a.Status == ledger.AllowanceVoided), "IA_Upload_Status": "0", "IA_Tax_Type": inv.TaxType,
		"IA_Total_Amount": a.Amount - tax, "IA_Tax_Amount": tax, "IA_Total_Tax_Amount": a.Amount,
		"IA_Send_Mail": a.NotifyMail, "IA_Send_Phone": a.NotifyPhone, "IIS_Customer_Name": orDefault(a.CustomerName, inv.CustomerName),
		"Items": items,
	}
}

// getAllowanceInvalidFields answers GetAllowanceInvalid of a, voided.
func getAllowanceInvalidFields(a ledger.Allowance, inv ledger.Invoice) map[string]any {
	return map[string]any{
		"AI_Allow_No": a.AllowanceNo, "AI_Invoice_No": a.InvoiceNo, "AI_Allow_Date": a.Date.Format(ledger.DateTimeLayout),
		"AI_Date": a.VoidDate.Format(ledger.DateTimeLayout), "Reason": a.VoidReason, "AI_Upload_Status": "0",
		"AI_Upload_Date": "", "AI_Seller_Identifier": "", "AI_Buyer_Identifier": identifier(inv.CustomerIdentifier),
	}
}

// intField reads the integer member name of data, a pointer to a
// generated request type; ok is false when it has none.
func intField(data any, name string) (int, bool) {
	if data == nil {
		return 0, false
	}
	sf, ok := registry.FieldByJSONName(reflect.TypeOf(data), name)
	if !ok {
		return 0, false
	}
	f := reflect.ValueOf(data).Elem().FieldByIndex(sf.Index)
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return 0, false
		}
		f = f.Elem()
	}
	if !f.CanInt() {
		return 0, false
	}
	return int(f.Int()), true
}
