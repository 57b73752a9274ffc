package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"proact/content"
)

const glossaryUsage = "usage: proact glossary check FILE"

// runGlossary is `proact glossary check FILE`: it validates a moderator's
// proposal against the embedded glossary and says what merging it would add.
// It needs no configuration and no database, so it runs before either is read.
func runGlossary(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || args[0] != "check" {
		fmt.Fprintln(stderr, "proact: "+glossaryUsage)
		return 1
	}
	file := args[1]
	glossary, err := content.LoadGlossary()
	if err != nil {
		fmt.Fprintln(stderr, "proact: the embedded glossary is broken: "+oneLine(err))
		return 1
	}
	added, err := checkProposal(glossary, file)
	if err != nil {
		var ge *content.GlossaryError
		if !errors.As(err, &ge) {
			fmt.Fprintf(stderr, "proact: %s\n", oneLine(err))
			return 1
		}
		fmt.Fprintf(stderr, "proact: %s cannot be merged into the glossary:\n", file)
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "proact: %s: %s\n", file, line)
		}
		return 1
	}
	printAdditions(stdout, file, len(glossary.Concepts()), added)
	return 0
}

// addition is what a proposal brings to one concept: all of it when the
// concept is new, else only its new terms.
type addition struct {
	content.Concept
	isNew bool
}

func checkProposal(glossary *content.Glossary, file string) ([]addition, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read the proposal: %w", err)
	}
	defer f.Close()
	proposal, err := content.ParseProposal(f)
	if err != nil {
		return nil, err
	}
	merged, err := glossary.Merge(proposal)
	if err != nil {
		return nil, err
	}
	before := map[string]content.Concept{}
	for _, c := range glossary.Concepts() {
		before[c.ID] = c
	}
	var added []addition
	for _, c := range merged.Concepts() {
		old, ok := before[c.ID]
		if !ok {
			added = append(added, addition{c, true})
			continue
		}
		a := addition{Concept: content.Concept{ID: c.ID, Category: c.Category, Terms: map[string][]string{}}}
		for lang, terms := range c.Terms {
			if n := len(old.Terms[lang]); len(terms) > n {
				a.Terms[lang] = terms[n:] // Merge appends after the existing terms
			}
		}
		if len(a.Terms) > 0 {
			added = append(added, a)
		}
	}
	// New concepts first: they are what a reviewer reads most carefully.
	slices.SortStableFunc(added, func(a, b addition) int {
		switch {
		case a.isNew == b.isNew:
			return 0
		case a.isNew:
			return -1
		}
		return 1
	})
	return added, nil
}

func printAdditions(w io.Writer, file string, size int, added []addition) {
	if len(added) == 0 {
		fmt.Fprintf(w, "%s is valid but adds nothing: every concept and term in it is in the glossary already.\n", file)
		return
	}
	concepts, terms := 0, 0
	for _, a := range added {
		if a.isNew {
			concepts++
		}
		for _, ts := range a.Terms {
			terms += len(ts)
		}
	}
	fmt.Fprintf(w, "%s is valid. Merged into the glossary (%d concepts) it would add %d new concept(s) and %d term(s) in all:\n",
		file, size, concepts, terms)
	for _, a := range added {
		if a.isNew {
			fmt.Fprintf(w, "\nnew concept %s (%s)\n", a.ID, a.Category)
		} else {
			fmt.Fprintf(w, "\nmore terms for %s (%s)\n", a.ID, a.Category)
		}
		for _, lang := range slices.Sorted(maps.Keys(a.Terms)) {
			fmt.Fprintf(w, "  %s  %s\n", lang, strings.Join(a.Terms[lang], " | "))
		}
	}
}
