package models

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// letters that are not a base letter and a mark, and so survive removing
// the marks: folded by hand.
var foldLetters = strings.NewReplacer("ł", "l", "đ", "d", "ø", "o", "æ", "ae", "œ", "oe", "ß", "ss", "ı", "i", "þ", "th", "ð", "d", "ħ", "h")

// Fold is text as the directory's search compares it: lower case, without
// accents or other marks ("Iași" and "IASI" both become "iasi", "Łódź"
// "lodz"), the same on SQLite and PostgreSQL because it is done here, on
// write and on the query, not by the database.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		out = strings.ToLower(s)
	}
	return foldLetters.Replace(out)
}

// searchText is what the directory's text search looks in: the name and the
// city, folded.
func (o *Organisation) searchText() string { return Fold(o.Name + "\n" + o.City) }

// FillSearchText folds the search text of the organisations that have none
// yet (written before migration 00014, or by an older binary): run after
// migrating, it does nothing once every row has one.
func FillSearchText(ctx context.Context, db *gorm.DB) error {
	if !db.Migrator().HasColumn(&Organisation{}, "search_text") {
		return nil // migrated only part of the way (a migration test)
	}
	var rows []Organisation
	err := db.WithContext(ctx).Select("id", "name", "city").Where("search_text = ''").Find(&rows).Error
	if err != nil {
		return fmt.Errorf("models: unable to read the organisations to fold: %w", err)
	}
	for i := range rows {
		err := db.WithContext(ctx).Model(&Organisation{}).Where("id = ?", rows[i].ID).
			Update("search_text", rows[i].searchText()).Error
		if err != nil {
			return fmt.Errorf("models: unable to fold organisation %d: %w", rows[i].ID, err)
		}
	}
	return nil
}
