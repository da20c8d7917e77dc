package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/cityline/cityline/internal/measure"
)

// RollupRowsForTest reads every row of the detailed rollups (area false) or of the area rollups
// (area true) with its whole key, in key order, so that tests can compare what the live hooks wrote
// with what a rebuild writes.
func (s *Store) RollupRowsForTest(ctx context.Context, area bool) ([]measure.Row, error) {
	t := detailRollups
	if area {
		t = areaRollups
	}
	cols := make([]string, measure.NumFields)
	for i, f := range measure.Fields() {
		cols[i] = f.Column()
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+t.keyCols+`, `+strings.Join(cols, ", ")+` FROM `+t.name+` ORDER BY `+t.keyCols)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []measure.Row
	for rows.Next() {
		var r measure.Row
		var day int64
		dest := []any{&day, &r.Key.Place, &r.Key.Unit}
		if !area {
			dest = append(dest, &r.Key.Category, &r.Key.Line, &r.Key.Channel, &r.Key.Type)
		}
		for i := range r.Counts {
			dest = append(dest, &r.Counts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r.Key.Day = measure.Day(day)
		out = append(out, r)
	}
	return out, rows.Err()
}

// BulkRollupsForTest writes detailed rollup rows as they are, and adds them up into the area
// rollups, in one transaction: the benchmark's way of making years of rollups without years of
// orders.
func (s *Store) BulkRollupsForTest(ctx context.Context, rows []measure.Row) error {
	marks := make([]string, 7+measure.NumFields)
	cols := make([]string, measure.NumFields)
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	for i, f := range measure.Fields() {
		cols[i] = f.Column()
	}
	query := `INSERT INTO measure_rollups (` + detailRollups.keyCols + `, ` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer stmt.Close()
		args := make([]any, 7+measure.NumFields)
		areas := map[measure.Key]*measure.Counts{}
		for _, r := range rows {
			ak := areaRollups.keyOf(r.Key)
			if areas[ak] == nil {
				areas[ak] = new(measure.Counts)
			}
			areas[ak].Add(r.Counts)
			k := r.Key
			args[0], args[1], args[2], args[3], args[4], args[5], args[6] = int64(k.Day), k.Place, k.Unit, k.Category, k.Line, k.Channel, k.Type
			for i, v := range r.Counts {
				args[7+i] = v
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
		}
		for k, c := range areas {
			if err := areaRollups.add(ctx, tx, k, *c); err != nil {
				return err
			}
		}
		return nil
	})
}
