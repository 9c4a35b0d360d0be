// Package invalid is the one error the packages that call AWS return for input they
// refuse before the first call: a study (package sagebench), a model, endpoint or
// serverless spec (package sagemaker), a Neo compilation job (package neo) or a load job
// (package loadjob). It lists every problem found, not just the first, each with the
// field at fault, so that code can tell problems apart without matching their wording:
//
//	var ie *invalid.Error
//	if errors.As(err, &ie) {
//		for _, p := range ie.Problems {
//			fmt.Printf("%s: %s\n", p.Field, p.Message)
//		}
//	}
//
// It imports only the standard library, so every package can return it.
package invalid

import (
	"fmt"
	"strings"
)

// Error is input refused before any AWS call, with every problem found.
type Error struct {
	// Subject says what was refused, e.g. "study", "SageMaker model spec" or
	// `Neo compilation job "resnet50-inf1"`.
	Subject  string
	Problems []Problem
}

// Problem is one thing wrong with the input.
type Problem struct {
	// Field names the input at fault as a Go field path of the refused value, such as
	// "RoleARN", "Env" or "Candidates[2].InstanceType" (indexes from 0); "" when no
	// single field is.
	Field string
	// Message is one sentence saying what is wrong and what would be accepted. It is for
	// people: its wording may change, Field does not.
	Message string
}

// Add appends a problem of field, its message formatted as by fmt.Sprintf.
func (e *Error) Add(field, format string, a ...any) {
	e.Problems = append(e.Problems, Problem{Field: field, Message: fmt.Sprintf(format, a...)})
}

// Err returns e, or nil when e has no problems (or is nil): what a validation returns.
func (e *Error) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// Error says what was refused and lists every problem's message: on the same line when
// there is one, one a line when there are several.
func (e *Error) Error() string {
	if e == nil {
		return "invalid input: no problem listed"
	}
	var b strings.Builder
	b.WriteString("invalid " + e.Subject + ":")
	switch len(e.Problems) {
	case 0:
		b.WriteString(" no problem listed")
	case 1:
		b.WriteString(" " + e.Problems[0].Message)
	default:
		for _, p := range e.Problems {
			b.WriteString("\n  - " + p.Message)
		}
	}
	return b.String()
}
