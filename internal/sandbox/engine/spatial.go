package engine

// Spatial functions over GeoJSON values. Geometry is planar in
// longitude/latitude degrees, which agrees with the service's geodesic
// model for the small shapes these functions are used with; ST_DISTANCE and
// ST_AREA, whose results are geodesic figures, are not provided.

// geoPosition reads a GeoJSON position [lon, lat(, alt)].
func geoPosition(v *value) (lon, lat float64, ok bool) {
	if v == nil || v.kind != kindArray || len(v.arr) < 2 || len(v.arr) > 3 || !allKind(v.arr, kindNumber) {
		return 0, 0, false
	}
	return v.arr[0].num, v.arr[1].num, true
}

// geoValidity checks a GeoJSON geometry: "" when valid, else the reason.
func geoValidity(g *value) string {
	if g == nil || g.kind != kindObject {
		return "The geometry is not a GeoJSON object."
	}
	typ, coords := g.field("type"), g.field("coordinates")
	if typ == nil || typ.kind != kindString {
		return "The geometry has no type."
	}
	if coords == nil || coords.kind != kindArray {
		return "The geometry has no coordinates."
	}
	var positions func(v *value, depth int) string
	positions = func(v *value, depth int) string {
		if depth == 0 {
			lon, lat, ok := geoPosition(v)
			switch {
			case !ok:
				return "A position must be an array of two or three numbers."
			case lat < -90 || lat > 90:
				return "Latitude values must be between -90 and 90 degrees."
			case lon < -180 || lon > 180:
				return "Longitude values must be between -180 and 180 degrees."
			}
			return ""
		}
		if v.kind != kindArray {
			return "The coordinates are not nested as the geometry type requires."
		}
		for _, el := range v.arr {
			if r := positions(el, depth-1); r != "" {
				return r
			}
		}
		return ""
	}
	depth := map[string]int{"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
	d, known := depth[typ.str]
	if !known {
		return "The geometry type is not a GeoJSON geometry type."
	}
	if r := positions(coords, d); r != "" {
		return r
	}
	switch typ.str {
	case "LineString":
		if len(coords.arr) < 2 {
			return "A LineString needs at least two positions."
		}
	case "Polygon":
		return ringsValidity(coords)
	case "MultiPolygon":
		for _, p := range coords.arr {
			if r := ringsValidity(p); r != "" {
				return r
			}
		}
	}
	return ""
}

func ringsValidity(rings *value) string {
	if len(rings.arr) == 0 {
		return "A Polygon needs at least one ring."
	}
	for _, ring := range rings.arr {
		n := len(ring.arr)
		if n < 4 {
			return "A Polygon ring needs at least four positions."
		}
		if !equalValues(ring.arr[0], ring.arr[n-1]) {
			return "A Polygon ring must end at its first position."
		}
	}
	return ""
}

type point struct{ x, y float64 }

// polygonRings returns the rings of a valid Polygon (nil otherwise).
func polygonRings(g *value) [][]point {
	if geoValidity(g) != "" || g.field("type").str != "Polygon" {
		return nil
	}
	var rings [][]point
	for _, ring := range g.field("coordinates").arr {
		var pts []point
		for _, p := range ring.arr {
			lon, lat, _ := geoPosition(p)
			pts = append(pts, point{lon, lat})
		}
		rings = append(rings, pts)
	}
	return rings
}

// inRings: p is inside the outer ring and outside every hole (even-odd rule).
func inRings(p point, rings [][]point) bool {
	in := false
	for _, ring := range rings {
		for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
			a, b := ring[i], ring[j]
			if (a.y > p.y) != (b.y > p.y) && p.x < (b.x-a.x)*(p.y-a.y)/(b.y-a.y)+a.x {
				in = !in
			}
		}
	}
	return in
}

func segmentsCross(p1, p2, q1, q2 point) bool {
	orient := func(a, b, c point) float64 { return (b.x-a.x)*(c.y-a.y) - (b.y-a.y)*(c.x-a.x) }
	d1, d2 := orient(q1, q2, p1), orient(q1, q2, p2)
	d3, d4 := orient(p1, p2, q1), orient(p1, p2, q2)
	return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0))
}

// geoPoints lists the positions of a Point, MultiPoint or LineString.
func geoPoints(g *value) []point {
	if geoValidity(g) != "" {
		return nil
	}
	c := g.field("coordinates")
	var pts []point
	switch g.field("type").str {
	case "Point":
		lon, lat, _ := geoPosition(c)
		pts = append(pts, point{lon, lat})
	case "MultiPoint", "LineString":
		for _, p := range c.arr {
			lon, lat, _ := geoPosition(p)
			pts = append(pts, point{lon, lat})
		}
	}
	return pts
}

func polygonsIntersect(a, b [][]point) bool {
	for _, ra := range a {
		for _, rb := range b {
			for i := 1; i < len(ra); i++ {
				for j := 1; j < len(rb); j++ {
					if segmentsCross(ra[i-1], ra[i], rb[j-1], rb[j]) {
						return true
					}
				}
			}
		}
	}
	return inRings(a[0][0], b) || inRings(b[0][0], a)
}

// touchesPolygon: a point, multipoint or line geometry g has a position in,
// or (a line) a segment across, the polygon; undefined for other geometries.
func touchesPolygon(g *value, rings [][]point) *value {
	pts := geoPoints(g)
	if len(pts) == 0 {
		return nil
	}
	for _, p := range pts {
		if inRings(p, rings) {
			return valTrue
		}
	}
	if g.field("type").str == "LineString" {
		for i := 1; i < len(pts); i++ {
			for _, ring := range rings {
				for j := 1; j < len(ring); j++ {
					if segmentsCross(pts[i-1], pts[i], ring[j-1], ring[j]) {
						return valTrue
					}
				}
			}
		}
	}
	return valFalse
}

func addSpatial(t map[string]fnSpec) {
	t["ST_ISVALID"] = fnSpec{min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
		return boolVal(geoValidity(a[0]) == "")
	}}
	t["ST_ISVALIDDETAILED"] = fnSpec{min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
		ob := newObj()
		r := geoValidity(a[0])
		ob.set("valid", boolVal(r == ""))
		if r != "" {
			ob.set("reason", strVal(r))
		}
		return ob.v
	}}
	// ST_WITHIN(a, b): every position of a point or line geometry a lies in polygon b.
	t["ST_WITHIN"] = fnSpec{min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
		pts, rings := geoPoints(a[0]), polygonRings(a[1])
		if len(pts) == 0 || rings == nil {
			return nil
		}
		for _, p := range pts {
			if !inRings(p, rings) {
				return valFalse
			}
		}
		return valTrue
	}}
	// ST_INTERSECTS(a, b) for polygons against polygons, points and lines,
	// in either order.
	t["ST_INTERSECTS"] = fnSpec{min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
		ra, rb := polygonRings(a[0]), polygonRings(a[1])
		switch {
		case ra != nil && rb != nil:
			return boolVal(polygonsIntersect(ra, rb))
		case rb != nil:
			return touchesPolygon(a[0], rb)
		case ra != nil:
			return touchesPolygon(a[1], ra)
		}
		return nil
	}}
}
