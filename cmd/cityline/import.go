package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cityline/cityline/internal/geo"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

const importGeoUsage = "import geo FILE --level city|district|street|community|grid [--db URL] [--replace-boundaries]"

// runImport loads data files. 'import geo' reads a GeoJSON file of places at one level and stores all
// of them in one transaction, or none when any is wrong; each problem is printed on its own line.
// 'import gazetteer' does the same for the standard address list (see importGazetteer).
func runImport(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintf(out, "Usage: cityline %s\n       cityline %s\n", importGeoUsage, importGazetteerUsage)
		return flag.ErrHelp
	}
	if len(args) > 0 && args[0] == "gazetteer" {
		return importGazetteer(ctx, args[1:], out)
	}
	if len(args) == 0 || args[0] != "geo" {
		return fmt.Errorf("usage: cityline %s\n       cityline %s", importGeoUsage, importGazetteerUsage)
	}
	fs := newFlagSet("import geo", importGeoUsage, out)
	db := dbFlag(fs)
	levelName := fs.String("level", "", "level of every place in the file: city, district, street, community or grid")
	replace := fs.Bool("replace-boundaries", false, "give places that are already stored new outlines, instead of adding places")
	files, err := parseArgs(fs, args[1:], "FILE")
	if err != nil {
		return err
	}
	level, err := org.ParseLevel(*levelName)
	if err != nil {
		return fmt.Errorf("--level: %w", err)
	}
	file := files[0]
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}

	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	known, err := knownFor(ctx, st, level)
	if err != nil {
		return err
	}
	parse, save, done := geo.ParseFeatures, st.InsertPlaces, ""
	if *replace {
		parse, save, done = geo.ParseBoundaryUpdates, st.ReplaceBoundaries, " (outlines replaced)"
	}
	places, err := parse(data, level, known)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := save(ctx, cliWho(), places, "import geo "+filepath.Base(file)); err != nil {
		return err
	}
	fmt.Fprintf(out, "imported %d %s places%s\n", len(places), level, done)
	return nil
}

// knownFor loads, with their outlines, the stored places a file at level is checked against: those at
// its own level (codes, siblings) and those one level up (parents). Outlines are large, so the rest of
// the tree is left out.
func knownFor(ctx context.Context, st *store.Store, level org.Level) (geo.KnownPlaces, error) {
	var all []org.Place
	for _, l := range []org.Level{level, level.Above()} {
		if l == "" {
			continue
		}
		places, err := st.Places(ctx, store.PlaceFilter{Level: l, WithBoundary: true})
		if err != nil {
			return nil, err
		}
		all = append(all, places...)
	}
	return geo.Known(all), nil
}
