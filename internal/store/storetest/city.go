package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

// Square is a GeoJSON polygon for the axis-aligned box [lng0,lng1]×[lat0,lat1].
func Square(lng0, lat0, lng1, lat1 float64) []byte {
	return fmt.Appendf(nil, `{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		lng0, lat0, lng1, lat0, lng1, lat1, lng0, lat1, lng0, lat0)
}

// TinyCity stores a small city for tests: 乌海市 150300 with two districts, 150302 covering
// lng 106-107 and 150303 covering lng 107-108 (lat 39-40 both), each with one street (…001), one
// community (…001001) and two grids side by side: …001001001 on the western half, …001001002 on the
// eastern half. A point at lng+0.25 of a district lies in its first grid, lng+0.75 in its second.
func TinyCity(t testing.TB, st *store.Store) {
	t.Helper()
	places := []org.Place{{Code: "150300", Name: "乌海市", Level: org.LevelCity}}
	for i, d := range []string{"150302", "150303"} {
		lng := 106.0 + float64(i)
		places = append(places,
			org.Place{Code: d, Name: "区" + d, Level: org.LevelDistrict, ParentCode: "150300", Boundary: Square(lng, 39, lng+1, 40)},
			org.Place{Code: d + "001", Name: "街道" + d, Level: org.LevelStreet, ParentCode: d, Boundary: Square(lng, 39, lng+1, 40)},
			org.Place{Code: d + "001001", Name: "社区" + d, Level: org.LevelCommunity, ParentCode: d + "001", Boundary: Square(lng, 39, lng+1, 40)},
			org.Place{Code: d + "001001001", Name: "第1网格", Level: org.LevelGrid, ParentCode: d + "001001", Boundary: Square(lng, 39, lng+0.5, 40), CenterLng: lng + 0.25, CenterLat: 39.5},
			org.Place{Code: d + "001001002", Name: "第2网格", Level: org.LevelGrid, ParentCode: d + "001001", Boundary: Square(lng+0.5, 39, lng+1, 40), CenterLng: lng + 0.75, CenterLat: 39.5},
		)
	}
	if err := st.InsertPlaces(context.Background(), audit.System, places, "test city"); err != nil {
		t.Fatalf("tiny city: %v", err)
	}
}
