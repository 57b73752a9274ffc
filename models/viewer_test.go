package models

import (
	"bytes"
	"reflect"
	"testing"
)

// TestViewerAppendKey: every field of Viewer changes its key, so that a
// field added to the struct and forgotten in AppendKey fails here rather
// than giving two viewers one entity tag.
func TestViewerAppendKey(t *testing.T) {
	base := Viewer{UserID: 7, Role: RoleMember, OrganisationID: 3}
	key := base.AppendKey(nil)
	rt := reflect.TypeOf(base)
	for i := range rt.NumField() {
		v := base
		f := reflect.ValueOf(&v).Elem().Field(i)
		switch f.Kind() {
		case reflect.Uint, reflect.Uint64, reflect.Uint32:
			f.SetUint(f.Uint() + 1)
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Bool:
			f.SetBool(!f.Bool())
		default:
			t.Fatalf("Viewer.%s is a %s: teach AppendKey and this test about it", rt.Field(i).Name, f.Kind())
		}
		if bytes.Equal(v.AppendKey(nil), key) {
			t.Errorf("Viewer.%s is not in AppendKey", rt.Field(i).Name)
		}
	}
	// Fields are delimited: a role cannot run into the next number.
	a := Viewer{Role: "member1", OrganisationID: 2}.AppendKey(nil)
	b := Viewer{Role: "member", OrganisationID: 12}.AppendKey(nil)
	if bytes.Equal(a, b) {
		t.Error("AppendKey does not delimit its fields")
	}
}
