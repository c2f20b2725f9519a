package xlsform

// A minimal reader of OLE2 compound files (MS-CFB), enough to take a stream out by name: the header, the
// FAT from the DIFAT, the directory, the mini FAT and the mini stream. Every sector chain is walked with a
// bound and a visited set, so a loop, a chain out of the file or a lying size is an error, never a hang.

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

const (
	cfbEndOfChain = 0xFFFFFFFE
	cfbFree       = 0xFFFFFFFF
	cfbMaxRegSect = 0xFFFFFFFA
)

type cfbFile struct {
	data       []byte
	shift      uint // sector size is 1 << shift
	miniShift  uint
	miniCutoff uint64
	fat        []uint32
	miniFAT    []uint32
	miniStream []byte
	entries    []cfbEntry
}

type cfbEntry struct {
	name  string
	typ   byte // 1 storage, 2 stream, 5 root
	start uint32
	size  uint64
}

func openCFB(data []byte) (*cfbFile, error) {
	if len(data) < 512 {
		return nil, errDamaged("the compound file is truncated")
	}
	le := binary.LittleEndian
	c := &cfbFile{data: data}
	c.shift = uint(le.Uint16(data[0x1E:]))
	c.miniShift = uint(le.Uint16(data[0x20:]))
	if (c.shift != 9 && c.shift != 12) || c.miniShift != 6 {
		return nil, errDamaged("the compound file has unusual sector sizes")
	}
	c.miniCutoff = uint64(le.Uint32(data[0x38:]))
	nSectors := (len(data) - 512) >> c.shift
	if len(data) > 512 && (len(data)-512)%(1<<c.shift) != 0 {
		nSectors++ // a last sector cut short; reads past the end fail below
	}

	// The FAT's sectors: 109 in the header, then the DIFAT chain.
	numFAT := int(le.Uint32(data[0x2C:]))
	if numFAT < 0 || numFAT > nSectors+1 {
		return nil, errDamaged("the compound file's allocation table is larger than the file")
	}
	var fatSectors []uint32
	for i := 0; i < 109 && len(fatSectors) < numFAT; i++ {
		fatSectors = append(fatSectors, le.Uint32(data[0x4C+4*i:]))
	}
	difat := le.Uint32(data[0x44:])
	perSector := (1 << c.shift) / 4
	seen := map[uint32]bool{}
	for len(fatSectors) < numFAT && difat <= cfbMaxRegSect {
		if seen[difat] {
			return nil, errDamaged("the compound file's sector chains loop")
		}
		seen[difat] = true
		sec, err := c.sector(difat)
		if err != nil {
			return nil, err
		}
		for i := 0; i < perSector-1 && len(fatSectors) < numFAT; i++ {
			fatSectors = append(fatSectors, le.Uint32(sec[4*i:]))
		}
		difat = le.Uint32(sec[4*(perSector-1):])
	}
	if len(fatSectors) < numFAT {
		return nil, errDamaged("the compound file's allocation table is cut short")
	}
	c.fat = make([]uint32, 0, numFAT*perSector)
	for _, s := range fatSectors {
		sec, err := c.sector(s)
		if err != nil {
			return nil, err
		}
		for i := 0; i < perSector; i++ {
			c.fat = append(c.fat, le.Uint32(sec[4*i:]))
		}
	}

	// The directory.
	dir, err := c.chain(le.Uint32(data[0x30:]), -1)
	if err != nil {
		return nil, err
	}
	for off := 0; off+128 <= len(dir); off += 128 {
		e := dir[off : off+128]
		n := int(le.Uint16(e[64:]))
		if n > 64 {
			n = 64
		}
		u := make([]uint16, 0, 32)
		for i := 0; i+1 < n; i += 2 { // the length counts bytes and the terminating NUL
			ch := le.Uint16(e[i:])
			if ch == 0 {
				break
			}
			u = append(u, ch)
		}
		size := le.Uint64(e[120:])
		if c.shift == 9 {
			size &= 0xFFFFFFFF // version 3 files may leave garbage in the high half
		}
		c.entries = append(c.entries, cfbEntry{
			name: string(utf16.Decode(u)), typ: e[66], start: le.Uint32(e[116:]), size: size,
		})
	}
	if len(c.entries) == 0 || c.entries[0].typ != 5 {
		return nil, errDamaged("the compound file has no root directory entry")
	}

	// The mini FAT and the mini stream, which hold the streams smaller than the cutoff.
	if first := le.Uint32(data[0x3C:]); first <= cfbMaxRegSect {
		mf, err := c.chain(first, -1)
		if err != nil {
			return nil, err
		}
		c.miniFAT = make([]uint32, len(mf)/4)
		for i := range c.miniFAT {
			c.miniFAT[i] = le.Uint32(mf[4*i:])
		}
	}
	root := c.entries[0]
	if root.start <= cfbMaxRegSect && root.size > 0 {
		if c.miniStream, err = c.chain(root.start, int64(root.size)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// sector is the bytes of regular sector n.
func (c *cfbFile) sector(n uint32) ([]byte, error) {
	size := 1 << c.shift
	off := (int64(n) + 1) << c.shift
	if n > cfbMaxRegSect || off+int64(size) > int64(len(c.data)) {
		return nil, errDamaged("the compound file is truncated or names a sector outside it")
	}
	return c.data[off : off+int64(size)], nil
}

// chain reads the regular sectors from start, cut to size bytes (size < 0: the whole chain).
func (c *cfbFile) chain(start uint32, size int64) ([]byte, error) {
	var out []byte
	seen := make(map[uint32]bool)
	for s := start; s != cfbEndOfChain; {
		if size >= 0 && int64(len(out)) >= size {
			break
		}
		if seen[s] || int(s) >= len(c.fat) {
			if seen[s] {
				return nil, errDamaged("the compound file's sector chains loop")
			}
			return nil, errDamaged("the compound file's sector chain leaves the allocation table")
		}
		seen[s] = true
		sec, err := c.sector(s)
		if err != nil {
			return nil, err
		}
		out = append(out, sec...)
		if len(out) > maxUnpacked {
			return nil, tooLarge("", "larger than 100 MiB: an XLSForm is far smaller")
		}
		s = c.fat[s]
	}
	if size >= 0 {
		if int64(len(out)) < size {
			return nil, errDamaged("a stream of the compound file is cut short")
		}
		out = out[:size]
	}
	return out, nil
}

// miniChain reads a stream held in the mini stream.
func (c *cfbFile) miniChain(start uint32, size int64) ([]byte, error) {
	unit := int64(1) << c.miniShift
	out := make([]byte, 0, size)
	seen := make(map[uint32]bool)
	for s := start; int64(len(out)) < size; {
		if s == cfbEndOfChain || int(s) >= len(c.miniFAT) || seen[s] {
			return nil, errDamaged("a small stream of the compound file is damaged")
		}
		seen[s] = true
		off := int64(s) * unit
		if off+unit > int64(len(c.miniStream)) {
			return nil, errDamaged("a small stream of the compound file is cut short")
		}
		out = append(out, c.miniStream[off:off+unit]...)
		s = c.miniFAT[s]
	}
	return out[:size], nil
}

// stream finds a stream by name, ignoring case, and reads it; ok is false when there is none.
func (c *cfbFile) stream(name string) (data []byte, ok bool, err error) {
	for _, e := range c.entries[1:] {
		if e.typ != 2 || !strings.EqualFold(e.name, name) {
			continue
		}
		if e.size > uint64(len(c.data)) {
			return nil, true, errDamaged("the %s stream is larger than the file", name)
		}
		if e.size < c.miniCutoff {
			data, err = c.miniChain(e.start, int64(e.size))
		} else {
			data, err = c.chain(e.start, int64(e.size))
		}
		return data, true, err
	}
	return nil, false, nil
}

// has tells whether the file holds an entry of this name.
func (c *cfbFile) has(name string) bool {
	for _, e := range c.entries {
		if strings.EqualFold(e.name, name) {
			return true
		}
	}
	return false
}
