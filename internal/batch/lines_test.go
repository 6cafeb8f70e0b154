package batch

import (
	"io"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/internal/input"
)

// Each line of an Issue batch's input is one Issue Data keyed by its
// RelateNumber; a line that cannot be sent says why, naming its line.
func TestDataLines(t *testing.T) {
	long := `{"RelateNumber":"R","X":"` + strings.Repeat("x", MaxDataBytes) + `"}`
	longKey := `{"RelateNumber":"` + strings.Repeat("k", MaxKeyBytes+1) + `"}`
	text := "\ufeff" + `{"RelateNumber":"R1","SalesAmount":1}` + "\n" +
		"\n" +
		"# a comment\n" +
		"  " + `{"RelateNumber":"R2"}` + "  \r\n" +
		"not json\n" +
		"null\n" +
		`["RelateNumber"]` + "\n" +
		`{"RelateNumber":"R", oops}` + "\n" +
		`{"SalesAmount":1}` + "\n" +
		`{"RelateNumber":7}` + "\n" +
		`{"RelateNumber":""}` + "\n" +
		`{"RelateNumber":" R3"}` + "\n" +
		`{"RelateNumber":"R\u0000"}` + "\n" +
		long + "\n" +
		longKey + "\n" +
		`{"RelateNumber":"R4"}`
	tests := []struct {
		key, data, problem string
	}{
		{key: "R1", data: `{"RelateNumber":"R1","SalesAmount":1}`},
		{key: "R2", data: `{"RelateNumber":"R2"}`},
		{key: "\ufffd(line 5)", problem: "line 5 of in.jsonl is not a JSON object, the request Data of one Issue (it does not start with {)"},
		{key: "\ufffd(line 6)", problem: "line 6 of in.jsonl is not a JSON object, the request Data of one Issue (it does not start with {)"},
		{key: "\ufffd(line 7)", problem: "line 7 of in.jsonl is not a JSON object"},
		{key: "\ufffd(line 8)", problem: "line 8 of in.jsonl is not a JSON object, the request Data of one Issue (invalid character"},
		{key: "\ufffd(line 9)", problem: "line 9 of in.jsonl has no RelateNumber (a non-empty string)"},
		{key: "\ufffd(line 10)", problem: "line 10 of in.jsonl has no RelateNumber"},
		{key: "\ufffd(line 11)", problem: "line 11 of in.jsonl has no RelateNumber"},
		{key: "\ufffd(line 12)", problem: "line 12 of in.jsonl RelateNumber has white space around it"},
		{key: "R\x00", problem: "line 13 of in.jsonl RelateNumber holds a NUL byte"},
		{key: "\ufffd(line 14)", problem: "line 14 of in.jsonl is longer than 1 MiB"},
		{key: "kkkk", problem: "line 15 of in.jsonl has a RelateNumber longer than 64 KiB"},
		{key: "R4", data: `{"RelateNumber":"R4"}`},
	}
	bop := IssueOperation()
	src := &Source{name: "in.jsonl", lines: input.NewLineReader(strings.NewReader(text), MaxDataBytes), parse: bop.dataItem}
	for i, want := range tests {
		it, err := src.next()
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		problem := ""
		if it.problem != "" {
			problem = it.where + " " + it.problem
		}
		if !strings.HasPrefix(it.key, want.key) || string(it.data) != want.data && want.problem == "" || !strings.HasPrefix(problem, want.problem) || (want.problem == "") != (problem == "") {
			t.Errorf("item %d: key %.40q data %.60q problem %q; want %q %q %q", i, it.key, it.data, problem, want.key, want.data, want.problem)
		}
	}
	if _, err := src.next(); err != io.EOF {
		t.Errorf("after the last line: %v", err)
	}
}
