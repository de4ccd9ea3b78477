// Records Go's strconv answers for the integer parsers parity imitates in
// src/sources/k8s/scalar.rs: strconv.Atoi (ingress-nginx annotations) and
// strconv.ParseInt(s, 0, 64) (ingress-nginx ConfigMap via mapstructure,
// go-yaml v2 integer resolution).
//
//	go run scripts/k8s/strconv_oracle.go < tests/recorded/go-strconv/inputs.json \
//	    > tests/recorded/go-strconv/answers.json
//
// Input: a JSON array of strings. Output: one JSON object per input, in order.
package main

import (
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strconv"
)

type answer struct {
	Input     string  `json:"input"`
	Atoi      *int64  `json:"atoi"`
	AtoiErr   string  `json:"atoi_err,omitempty"`
	ParseInt0 *int64  `json:"parse_int_0"`
	ParseErr  string  `json:"parse_int_0_err,omitempty"`
	ParseUint *uint64 `json:"parse_uint_0"`
}

func kind(err error) string {
	if errors.Is(err, strconv.ErrRange) {
		return "range"
	}
	return "syntax"
}

func main() {
	var inputs []string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		panic(err)
	}
	out := struct {
		Go      string   `json:"go"`
		Answers []answer `json:"answers"`
	}{Go: runtime.Version()}
	for _, s := range inputs {
		a := answer{Input: s}
		if v, err := strconv.Atoi(s); err == nil {
			x := int64(v)
			a.Atoi = &x
		} else {
			a.AtoiErr = kind(err)
		}
		if v, err := strconv.ParseInt(s, 0, 64); err == nil {
			a.ParseInt0 = &v
		} else {
			a.ParseErr = kind(err)
		}
		if v, err := strconv.ParseUint(s, 0, 64); err == nil {
			a.ParseUint = &v
		}
		out.Answers = append(out.Answers, a)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
