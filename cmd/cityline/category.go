package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
)

func runCategory(ctx context.Context, args []string, out io.Writer) error {
	return runGroup(ctx, "category", []subcommand{
		{"import", "add the paths of a level1,level2,level3 CSV file to the catalogue", categoryImport},
		{"list", "print the catalogue as a tree, with codes", categoryList},
	}, args, out)
}

const categoryImportAbout = `
Reads a CSV file with one path per row — a header row naming the levels (level1,level2,level3 or
一级分类,二级分类,三级分类), then rows such as 城乡建设,市政设施,路灯 — and adds to the catalogue every
category that is not there yet, numbered under its parent. Categories already in the catalogue are
left as they are, so importing the same file twice adds nothing. All of it lands in one transaction,
or none of it when a row is wrong.`

func categoryImport(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("category import", "category import FILE.csv [--db URL]", categoryImportAbout, out)
	db := dbFlag(fs)
	f, err := openFileArg(fs, args, "FILE.csv")
	if err != nil {
		return err
	}
	defer f.Close()
	return withStore(ctx, *db, func(st *store.Store) error {
		existing, err := st.Categories(ctx, store.CategoryFilter{})
		if err != nil {
			return err
		}
		added, err := category.ParseCSV(f, existing)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		if len(added) > 0 {
			if err := st.ImportCategories(ctx, cliWho(), added); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "added %d categories; the catalogue now has %d\n", len(added), len(existing)+len(added))
		return nil
	})
}

func categoryList(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("category list", "category list [--db URL]", "Prints every category, depth first, with its code; retired ones are marked.", out)
	db := dbFlag(fs)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		all, err := st.Categories(ctx, store.CategoryFilter{})
		if err != nil {
			return err
		}
		for _, c := range category.NewTree(all).Flatten() {
			retired := ""
			if !c.Active {
				retired = "  (停用)"
			}
			fmt.Fprintf(out, "%-8s %s%s%s\n", c.Code, strings.Repeat("  ", c.Level-1), c.Name, retired)
		}
		return nil
	})
}
