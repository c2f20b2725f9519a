package openrosa

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"testing"
)

func TestFormListXMLRoundTrip(t *testing.T) {
	t.Parallel()
	items := []FormListItem{
		{FormID: "buildings", Name: "Buildings <v2> & more", Version: "2023-05-02 10:43:54", MD5: "0123abcd",
			DownloadURL: "https://fb.example/forms/buildings.xml?a=1&b=2", ManifestURL: "https://fb.example/forms/buildings/manifest"},
		{FormID: "simple", MD5: "ffff", DownloadURL: "https://fb.example/forms/simple.xml"},
	}
	out := FormListXML(items)
	var doc struct {
		XMLName xml.Name `xml:"http://openrosa.org/xforms/xformsList xforms"`
		Forms   []struct {
			FormID      string  `xml:"http://openrosa.org/xforms/xformsList formID"`
			Name        string  `xml:"http://openrosa.org/xforms/xformsList name"`
			Version     string  `xml:"http://openrosa.org/xforms/xformsList version"`
			Hash        string  `xml:"http://openrosa.org/xforms/xformsList hash"`
			DownloadURL string  `xml:"http://openrosa.org/xforms/xformsList downloadUrl"`
			ManifestURL *string `xml:"http://openrosa.org/xforms/xformsList manifestUrl"`
		} `xml:"http://openrosa.org/xforms/xformsList xform"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("unmarshal: %v\n%s", err, out)
	}
	if len(doc.Forms) != 2 {
		t.Fatalf("%d forms, want 2", len(doc.Forms))
	}
	first, second := doc.Forms[0], doc.Forms[1]
	if first.Name != items[0].Name || first.Version != items[0].Version || first.Hash != "md5:0123abcd" ||
		first.DownloadURL != items[0].DownloadURL || first.ManifestURL == nil || *first.ManifestURL != items[0].ManifestURL {
		t.Fatalf("first form = %+v", first)
	}
	if second.Name != "simple" || second.ManifestURL != nil || second.Hash != "md5:ffff" {
		t.Fatalf("second form = %+v (want name fallback, no manifestUrl)", second)
	}
	if !bytes.HasPrefix(out, []byte(xml.Header)) {
		t.Fatalf("missing XML declaration: %s", out)
	}
}

func TestManifestXMLRoundTrip(t *testing.T) {
	t.Parallel()
	files := []MediaFile{
		{Filename: "features.csv", MD5: "aa", DownloadURL: "https://fb.example/m/features.csv"},
		{Filename: "a&b <c>.jpg", MD5: "bb", DownloadURL: "https://fb.example/m/a%26b.jpg"},
	}
	var doc struct {
		XMLName xml.Name `xml:"http://openrosa.org/xforms/xformsManifest manifest"`
		Files   []struct {
			Filename    string `xml:"http://openrosa.org/xforms/xformsManifest filename"`
			Hash        string `xml:"http://openrosa.org/xforms/xformsManifest hash"`
			DownloadURL string `xml:"http://openrosa.org/xforms/xformsManifest downloadUrl"`
		} `xml:"http://openrosa.org/xforms/xformsManifest mediaFile"`
	}
	out := ManifestXML(files)
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("unmarshal: %v\n%s", err, out)
	}
	var got []MediaFile
	for _, f := range doc.Files {
		got = append(got, MediaFile{Filename: f.Filename, MD5: f.Hash[len("md5:"):], DownloadURL: f.DownloadURL})
	}
	if !reflect.DeepEqual(got, files) {
		t.Fatalf("round trip = %+v, want %+v", got, files)
	}
	doc.Files = nil
	if empty := ManifestXML(nil); xml.Unmarshal(empty, &doc) != nil || len(doc.Files) != 0 {
		t.Fatalf("empty manifest = %s", empty)
	}
}

func TestResponseXML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		render func(string) []byte
		nature string
	}{
		{"OKSubmitSuccess", ResponseXML, "submit_success"},
		{"OKError", ErrorResponseXML, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := `Thanks <b>"Zoë"</b> & team`
			var doc struct {
				XMLName xml.Name `xml:"http://openrosa.org/http/response OpenRosaResponse"`
				Message struct {
					Nature string `xml:"nature,attr"`
					Text   string `xml:",chardata"`
				} `xml:"http://openrosa.org/http/response message"`
			}
			out := tt.render(msg)
			if err := xml.Unmarshal(out, &doc); err != nil {
				t.Fatalf("unmarshal: %v\n%s", err, out)
			}
			if doc.Message.Nature != tt.nature || doc.Message.Text != msg {
				t.Fatalf("message = %+v", doc.Message)
			}
		})
	}
}
