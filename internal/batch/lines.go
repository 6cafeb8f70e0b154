package batch

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/wrapper"
)

// MaxDataBytes bounds a line of request Data (see Operation.Whole): the
// request body the client sends at most (wrapper.MaxResponseBytes, the
// bound of either direction), several thousand items of an Issue.
const MaxDataBytes = wrapper.MaxResponseBytes

// dataItem is the item of the line lr has just read from the file name,
// for an Operation that is Whole: the line is the request Data, a JSON
// object, and its key member its key. ok is false for blank lines and #
// comments. A line that is not such an object, or whose key is missing or
// unprintable, is an item with a problem, keyed by a stand-in naming its
// line; the client's checks of the Data come when it is sent.
func (bop *Operation) dataItem(lr *input.LineReader, line []byte, name string) (item, bool) {
	where := fmt.Sprintf("line %d of %s", lr.Number, name)
	standIn := fmt.Sprintf("\ufffd(line %d)", lr.Number)
	if lr.TooLong {
		return item{key: standIn, where: where, number: lr.Number,
			problem: fmt.Sprintf("is longer than %s (%d bytes): not the request Data of one %s", input.SizeName(MaxDataBytes), lr.End-lr.Start, bop.Op.Name)}, true
	}
	if lr.Number == 1 {
		line = bytes.TrimPrefix(line, []byte(utf8BOM))
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return item{}, false
	}
	it := item{key: standIn, where: where, number: lr.Number}
	raw, err := bop.keyMember(line)
	if err != nil {
		it.problem = fmt.Sprintf("is not a JSON object, the request Data of one %s (%v)", bop.Op.Name, err)
		return it, true
	}
	var key string
	if raw == nil || json.Unmarshal(raw, &key) != nil || key == "" {
		it.problem = fmt.Sprintf("has no %s (a non-empty string), the key that tells one %s from another and keeps it from being sent twice", bop.Key, bop.Op.Name)
		return it, true
	}
	if len(key) > MaxKeyBytes {
		long := tooLongItem(key[:input.HeadBytes], int64(len(key)), where, lr.Number)
		long.problem = fmt.Sprintf("has a %s longer than %s", bop.Key, input.SizeName(MaxKeyBytes))
		return long, true
	}
	clean, problem := cleanTsr(key)
	switch {
	case problem != "":
		it.key, it.problem = clean, bop.Key+" "+problem
	case clean != key:
		it.problem = bop.Key + " has white space around it"
	default:
		it.key = key
	}
	it.data = bytes.Clone(line)
	return it, true
}
