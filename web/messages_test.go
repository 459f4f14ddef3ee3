package web

import (
	"reflect"
	"regexp"
	"testing"
)

// verb matches a fmt verb, with its flags, index and precision.
var verb = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?(\.\d+)?(\[\d+\])?[a-zA-Z%]`)

// TestMessages checks that both tables, and both what-if tables, say
// everything, with the same number of fmt verbs in each template.
func TestMessages(t *testing.T) {
	checkTables(t, reflect.ValueOf(*english), reflect.ValueOf(*chinese))
	checkTables(t, reflect.ValueOf(*englishWhatIf), reflect.ValueOf(*chineseWhatIf))
}

// checkTables checks two message tables, en and zh, of one type.
func checkTables(t *testing.T, en, zh reflect.Value) {
	t.Helper()
	for i := range en.NumField() {
		name := en.Type().Field(i).Name
		a, b := en.Field(i), zh.Field(i)
		switch a.Kind() {
		case reflect.String:
			if a.String() == "" || b.String() == "" {
				t.Errorf("%s: empty", name)
			}
			if na, nb := len(verb.FindAllString(a.String(), -1)), len(verb.FindAllString(b.String(), -1)); na != nb {
				t.Errorf("%s: %d fmt verbs in English, %d in Chinese", name, na, nb)
			}
		case reflect.Slice:
			if a.Len() == 0 || a.Len() != b.Len() {
				t.Errorf("%s: %d entries in English, %d in Chinese", name, a.Len(), b.Len())
			}
		}
	}
}

func TestPick(t *testing.T) {
	for tag, want := range map[string]*messages{
		"zh-CN": chinese, "zh": chinese, "zh-Hans-SG": chinese, "ZH-tw": chinese,
		"en-US": english, "fr": english, "": english,
	} {
		if got := pick(tag); got != want {
			t.Errorf("pick(%q) = %s, want %s", tag, got.lang, want.lang)
		}
	}
}
