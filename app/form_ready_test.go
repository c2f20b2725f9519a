package app

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"fieldbase/app/openrosa"
	"fieldbase/app/readyforms"
)

// filledInstance fills every leaf of a form's primary instance with a value of its type, as a phone would send
// it: the instance as written in the form, each empty element given a value.
func filledInstance(t *testing.T, formXML []byte, instanceID string) []byte {
	t.Helper()
	f, err := openrosa.ParseForm(formXML)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)<instance>\s*(<` + f.RootName + `\b.*?</` + f.RootName + `>)`).FindSubmatch(formXML)
	if m == nil {
		t.Fatal("no primary instance found")
	}
	inst := string(m[1])
	values := map[string]string{"geopoint": "0.5 0.5 120 4", "int": "3", "date": "2026-11-30",
		"dateTime": "2026-11-30T10:00:00.000+01:00", "binary": "photo.jpg",
		"geoshape": "0.4 0.4 0 0;0.4 0.6 0 0;0.6 0.6 0 0;0.4 0.4 0 0"}
	for _, fd := range f.Fields {
		v, ok := values[fd.Type]
		if !ok {
			v = "other"
		}
		if fd.Name() == "instanceID" {
			v = instanceID
		}
		inst = strings.Replace(inst, "<"+fd.Name()+"/>", "<"+fd.Name()+">"+v+"</"+fd.Name()+">", 1)
	}
	return []byte(inst)
}

// TestReadyForms adds each ready form to a project through the API: it is served in the form list and by the
// download route, a filled instance is accepted by the OpenRosa submission route, adding it again answers the
// same version, and an unknown name is 404.
func TestReadyForms(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	_, token, _ := ta.collectToken(t, fp)
	base := ta.listen(t) + "/odk/" + token

	resp, body := ta.get(t, "/api/v1/ready-forms", fp.mapper)
	var list ReadyFormListBody
	decode(t, body, &list)
	if resp.StatusCode != 200 || list.Total != len(readyforms.List()) || list.Total != 4 {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	for _, rf := range list.Items {
		t.Run("OK_"+rf.Name, func(t *testing.T) {
			url := fmt.Sprintf("/api/v1/projects/%d/ready-forms/%s", fp.id, rf.Name)
			for i := 0; i < 2; i++ { // the second time answers the stored version
				resp, body := ta.do(t, jsonRequest("POST", url, "", fp.pm))
				var f FormBody
				decode(t, body, &f)
				if resp.StatusCode != http.StatusCreated || f.FormID != rf.Name || f.XLSForm != nil {
					t.Fatalf("add: %d %s", resp.StatusCode, body)
				}
			}
			resp, formXML := ta.get(t, rf.XMLURL, "")
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), rf.Name+".xml") {
				t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
			}
			listResp, err := http.Get(base + "/formList")
			if err != nil {
				t.Fatal(err)
			}
			lb, _ := io.ReadAll(listResp.Body)
			listResp.Body.Close()
			var fl xformsList
			if err := xml.Unmarshal(lb, &fl); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range fl.Forms {
				found = found || f.FormID == rf.Name && f.Hash == fmt.Sprintf("md5:%x", md5sum([]byte(formXML)))
			}
			if !found {
				t.Errorf("formList has no %s with the served hash: %s", rf.Name, lb)
			}
			sub := filledInstance(t, []byte(formXML), "uuid:ready-"+rf.Name)
			resp2, body := post(t, http.DefaultClient, base+"/submission", false,
				part{"xml_submission_file", "data.xml", sub}, part{"photo.jpg", "photo.jpg", []byte("\xff\xd8\xff jpeg")})
			if resp2.StatusCode != http.StatusCreated {
				t.Errorf("submission: %d %s\n%s", resp2.StatusCode, body, sub)
			}
		})
	}
	for _, tc := range []struct {
		name, url, token string
		want             int
	}{
		{"ErrUnknownName", fmt.Sprintf("/api/v1/projects/%d/ready-forms/roads", fp.id), fp.pm, 404},
		{"ErrMapperMayNotAdd", fmt.Sprintf("/api/v1/projects/%d/ready-forms/buildings", fp.id), fp.mapper, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp, body := ta.do(t, jsonRequest("POST", tc.url, "", tc.token)); resp.StatusCode != tc.want {
				t.Errorf("%d %s; want %d", resp.StatusCode, body, tc.want)
			}
		})
	}
	if resp, _ := ta.get(t, "/api/v1/ready-forms/roads.xml", ""); resp.StatusCode != 404 {
		t.Errorf("unknown download: %d", resp.StatusCode)
	}
}
