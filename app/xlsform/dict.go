package xlsform

// dict is an insertion-ordered map, the shape pyxform gives a row once its headers are grouped:
// "label::French (fr)" becomes {"label": {"French (fr)": ...}}. Values are string, *dict or []*dict.
type dict struct {
	keys []string
	vals map[string]any
}

func newDict() *dict { return &dict{vals: map[string]any{}} }

func (d *dict) has(k string) bool {
	if d == nil {
		return false
	}
	_, ok := d.vals[k]
	return ok
}

func (d *dict) get(k string) any {
	if d == nil {
		return nil
	}
	return d.vals[k]
}

// str is the value of k when it is a string, else "".
func (d *dict) str(k string) string {
	if d == nil {
		return ""
	}
	s, _ := d.vals[k].(string)
	return s
}

// sub is the value of k when it is a dict, else nil.
func (d *dict) sub(k string) *dict {
	if d == nil {
		return nil
	}
	s, _ := d.vals[k].(*dict)
	return s
}

func (d *dict) list(k string) []*dict {
	if d == nil {
		return nil
	}
	s, _ := d.vals[k].([]*dict)
	return s
}

func (d *dict) set(k string, v any) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

// ensure returns the dict under k, making it (and replacing a non-dict) when absent.
func (d *dict) ensure(k string) *dict {
	if s := d.sub(k); s != nil {
		return s
	}
	s := newDict()
	d.set(k, s)
	return s
}

func (d *dict) del(k string) {
	if _, ok := d.vals[k]; !ok {
		return
	}
	delete(d.vals, k)
	for i, x := range d.keys {
		if x == k {
			d.keys = append(d.keys[:i:i], d.keys[i+1:]...)
			break
		}
	}
}

func (d *dict) size() int {
	if d == nil {
		return 0
	}
	return len(d.keys)
}

// clone copies d deeply.
func (d *dict) clone() *dict {
	if d == nil {
		return nil
	}
	c := &dict{keys: append([]string(nil), d.keys...), vals: make(map[string]any, len(d.vals))}
	for k, v := range d.vals {
		c.vals[k] = cloneValue(v)
	}
	return c
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case *dict:
		return x.clone()
	case []*dict:
		l := make([]*dict, len(x))
		for i, e := range x {
			l[i] = e.clone()
		}
		return l
	}
	return v
}

// truthy is Python's truth of a JSON-ish value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case *dict:
		return x != nil && len(x.keys) > 0
	case []*dict:
		return len(x) > 0
	case bool:
		return x
	}
	return true
}

// mergeDicts is pyxform's merge_dicts: it nests a plain value under the default language when the other
// side is a dict of languages.
func mergeDicts(a, b any, defaultKey string) any {
	if !truthy(a) {
		return b
	}
	if !truthy(b) {
		return a
	}
	da, aok := a.(*dict)
	db, bok := b.(*dict)
	if !aok {
		if bok && db.has(defaultKey) {
			return db
		}
		da = newDict()
		da.set(defaultKey, a)
	}
	if !bok {
		if da.has(defaultKey) {
			return da
		}
		db = newDict()
		db.set(defaultKey, b)
	}
	keys := append([]string(nil), da.keys...)
	for _, k := range db.keys {
		if !da.has(k) {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		da.set(k, mergeDicts(da.get(k), db.get(k), defaultKey))
	}
	return da
}
