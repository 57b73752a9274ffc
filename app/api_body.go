package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"
)

// Reading API request bodies. encoding/json replaces invalid UTF-8 in
// strings with U+FFFD and a Decoder stops after the first value, so a body
// with broken bytes or with a second object after the first was accepted
// silently, changed or cut. Every JSON body goes through decodeBody.

// bodyError is why a request body is refused: a code for the JSON error and
// the translation key of its message.
type bodyError struct{ Code, Key string }

func (e *bodyError) Error() string { return "app: bad request body: " + e.Code }

// decodeBody decodes one JSON object from the body into v, refusing what is
// not valid UTF-8 (or holds a NUL byte), unknown fields, and anything but
// white space after the object. badJSON is the key of the message for a
// body that is no such object.
func decodeBody(body []byte, v any, badJSON string) *bodyError {
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return &bodyError{"bad_utf8", "api.bad_utf8"}
	}
	// json.Decode takes null for "nothing changes" and leaves v as it was:
	// a body that is no object is refused, not read as an empty request.
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return &bodyError{"bad_request", badJSON}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &bodyError{"bad_request", badJSON}
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return &bodyError{"trailing_data", "api.trailing_data"}
	}
	return nil
}
