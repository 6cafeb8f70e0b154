// Package taxid checks a Taiwanese unified business number (統一編號, a
// company identifier): 8 digits whose weighted digit sum passes the Ministry
// of Finance's check-digit rule.
//
// The rule: multiply the digits by 1, 2, 1, 2, 1, 2, 4, 1; add the digits of
// each product (28 counts 2 + 8 = 10); the number is valid when that sum is
// divisible by 5. When the seventh digit is 7 (its product, 28, may count as
// 1 or 0), the sum plus 1 may be divisible instead. Divisible by 5 is the
// Ministry's rule since April 2023 (民國112年), which widened the older
// "divisible by 10" so that new numbers could be issued; every number valid
// under the older rule stays valid. Sources: the Ministry's notice
// 營利事業統一編號檢查碼邏輯修正說明 ("檢查邏輯由可被『10』整除改為可被『5』整除",
// programs to be changed by 31 March 2023, new numbers from April 2023), and
// the tax bureau's 營利事業統一編號邏輯檢查方式 for the weights and the
// seventh-digit case.
package taxid

// weights are the multipliers of the eight digits.
var weights = [8]int{1, 2, 1, 2, 1, 2, 4, 1}

// Valid reports whether id is a unified business number: exactly 8 ASCII
// digits that pass the check-digit rule (see the package documentation).
func Valid(id string) bool {
	if len(id) != 8 {
		return false
	}
	sum := 0
	for i := range 8 {
		d := id[i]
		if d < '0' || d > '9' {
			return false
		}
		p := int(d-'0') * weights[i]
		sum += p/10 + p%10
	}
	return sum%5 == 0 || (id[6] == '7' && (sum+1)%5 == 0)
}
