package inspect

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/ecpay-go/einvoice/ecpaysim"
)

// node is a JSON value as the state view shows it, whatever its shape, so
// that whatever the state holds shows with no code of its own: a scalar
// as text, an object as a list of its members, an array of objects as a
// table with a column per member name, any other array as a list.
type node struct {
	Scalar   string
	IsScalar bool
	// Link is set on a scalar that is the path of a page the simulator
	// serves for a person to read, an invoice's printable proof
	// (ecpaysim.PrintPrefix): the view links to it.
	Link    bool
	Fields  []field
	Columns []string
	Rows    [][]node
	Items   []node
	Empty   bool // an empty array or object
}

type field struct {
	Name  string
	Value node
}

// stateNode reads the JSON document raw into a node, members in their
// order; raw that is not JSON is one scalar, as text.
func stateNode(raw []byte) node {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := readNode(dec)
	if err != nil {
		return node{Scalar: string(raw), IsScalar: true}
	}
	return n
}

// readNode reads the next value of dec.
func readNode(dec *json.Decoder) (node, error) {
	tok, err := dec.Token()
	if err != nil {
		return node{}, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		text := literalText(tok)
		_, isString := tok.(string)
		return node{Scalar: text, IsScalar: true, Link: isString && strings.HasPrefix(text, ecpaysim.PrintPrefix)}, nil
	}
	var n node
	var items []node
	for dec.More() {
		if d == '{' {
			key, err := dec.Token()
			if err != nil {
				return node{}, err
			}
			v, err := readNode(dec)
			if err != nil {
				return node{}, err
			}
			n.Fields = append(n.Fields, field{key.(string), v})
			continue
		}
		v, err := readNode(dec)
		if err != nil {
			return node{}, err
		}
		items = append(items, v)
	}
	if _, err := dec.Token(); err != nil {
		return node{}, err
	}
	n.Empty = len(n.Fields) == 0 && len(items) == 0
	if d == '[' {
		n.Columns, n.Rows = table(items)
		if n.Columns == nil {
			n.Items = items
		}
	}
	return n, nil
}

// literalText is a scalar token as text: a string without its quotes.
func literalText(tok json.Token) string {
	if s, ok := tok.(string); ok {
		return s
	}
	return literal(tok)
}

// table returns the columns and rows of items when every item is an
// object: a column per member name, in order of first sight.
func table(items []node) ([]string, [][]node) {
	var cols []string
	for _, it := range items {
		if it.IsScalar || it.Fields == nil {
			return nil, nil
		}
		for _, f := range it.Fields {
			if !slices.Contains(cols, f.Name) {
				cols = append(cols, f.Name)
			}
		}
	}
	var rows [][]node
	for _, it := range items {
		cells := make([]node, len(cols))
		for i, c := range cols {
			cells[i] = node{IsScalar: true}
			for _, f := range it.Fields {
				if f.Name == c {
					cells[i] = f.Value
				}
			}
		}
		rows = append(rows, cells)
	}
	return cols, rows
}
