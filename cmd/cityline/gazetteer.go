package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/cityline/cityline/internal/gazetteer"
	"github.com/cityline/cityline/internal/geo"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

const importGazetteerUsage = "import gazetteer FILE.csv [--replace] [--db URL]"

const importGazetteerAbout = `
Reads the standard address list (标准地址库) from a CSV file: a header row naming the columns
kind,name,aliases,address,lng,lat and optionally grid (or 类型,名称,别名,地址,经度,纬度,网格), then one
entry per row — a road, community or village, compound, building or door, or named place (road,
community, compound, building, poi; or 道路, 社区, 小区, 楼栋, 场所), with aliases separated by | and
its point. A row without a grid gets the grid its point lies in. The entries are added to the list, or
with --replace become the whole list. Any bad row refuses the whole file, naming its line and column,
and nothing of it is stored. Every node's matcher picks the new list up within seconds.`

// importGazetteer checks every row of the file against the stored grids (and, when adding, the stored
// addresses) and stores all of it in one transaction.
func importGazetteer(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("import gazetteer", importGazetteerUsage, importGazetteerAbout, out)
	db := dbFlag(fs)
	replace := fs.Bool("replace", false, "make the file the whole list, instead of adding it to the list")
	f, err := openFileArg(fs, args, "FILE.csv")
	if err != nil {
		return err
	}
	defer f.Close()
	return withStore(ctx, *db, func(st *store.Store) error {
		places, err := st.GridsAndAncestors(ctx)
		if err != nil {
			return err
		}
		check := gazetteer.ImportCheck{Grids: map[string]bool{}}
		var grids []org.Place
		for _, p := range places {
			if p.Level == org.LevelGrid {
				grids = append(grids, p)
				check.Grids[p.Code] = true
			}
		}
		index, err := geo.NewIndex(grids)
		if err != nil {
			return err
		}
		check.Locate = index.Locate
		stored, err := st.GazetteerEntries(ctx)
		if err != nil {
			return err
		}
		if !*replace {
			check.Stored = map[string]bool{}
			for _, e := range stored {
				check.Stored[gazetteer.Key(e.Address)] = true
			}
		}
		entries, err := gazetteer.ParseCSV(f, check)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		note := "import gazetteer " + filepath.Base(f.Name())
		if *replace {
			if err := st.ReplaceGazetteer(ctx, cliWho(), entries, note); err != nil {
				return err
			}
			fmt.Fprintf(out, "the gazetteer now has the file's %d entries (%d before)\n", len(entries), len(stored))
			return nil
		}
		if err := st.AddGazetteer(ctx, cliWho(), entries, note); err != nil {
			return err
		}
		fmt.Fprintf(out, "added %d entries; the gazetteer now has %d\n", len(entries), len(stored)+len(entries))
		return nil
	})
}
