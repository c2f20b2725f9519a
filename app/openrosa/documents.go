package openrosa

import (
	"encoding/xml"
)

// OpenRosa namespaces of the documents Collect reads.
const (
	// FormListNamespace is the default namespace of the form list.
	FormListNamespace = "http://openrosa.org/xforms/xformsList"
	// ManifestNamespace is the default namespace of a media manifest.
	ManifestNamespace = "http://openrosa.org/xforms/xformsManifest"
	// ResponseNamespace is the default namespace of an OpenRosaResponse.
	ResponseNamespace = "http://openrosa.org/http/response"
)

// FormListItem is one form offered to Collect in the form list.
type FormListItem struct {
	FormID      string
	Name        string // shown to the user; the form ID when empty
	Version     string
	MD5         string // hex MD5 of the XForm bytes, rendered as "md5:<hex>"
	DownloadURL string
	ManifestURL string // only rendered when set, i.e. when the form has media
}

// MediaFile is one form attachment listed in a manifest.
type MediaFile struct {
	Filename    string
	MD5         string // hex MD5 of the file bytes, rendered as "md5:<hex>"
	DownloadURL string
}

type xmlFormList struct {
	XMLName xml.Name   `xml:"http://openrosa.org/xforms/xformsList xforms"`
	Forms   []xmlXForm `xml:"xform"`
}

type xmlXForm struct {
	FormID      string `xml:"formID"`
	Name        string `xml:"name"`
	Version     string `xml:"version"`
	Hash        string `xml:"hash"`
	DownloadURL string `xml:"downloadUrl"`
	ManifestURL string `xml:"manifestUrl,omitempty"`
}

type xmlManifest struct {
	XMLName xml.Name       `xml:"http://openrosa.org/xforms/xformsManifest manifest"`
	Files   []xmlMediaFile `xml:"mediaFile"`
}

type xmlMediaFile struct {
	Filename    string `xml:"filename"`
	Hash        string `xml:"hash"`
	DownloadURL string `xml:"downloadUrl"`
}

type xmlResponse struct {
	XMLName xml.Name   `xml:"http://openrosa.org/http/response OpenRosaResponse"`
	Message xmlMessage `xml:"message"`
}

type xmlMessage struct {
	Nature string `xml:"nature,attr"`
	Text   string `xml:",chardata"`
}

// FormListXML renders the OpenRosa form list (GET /formList) for items.
func FormListXML(items []FormListItem) []byte {
	doc := xmlFormList{Forms: make([]xmlXForm, 0, len(items))}
	for _, it := range items {
		name := it.Name
		if name == "" {
			name = it.FormID
		}
		doc.Forms = append(doc.Forms, xmlXForm{
			FormID: it.FormID, Name: name, Version: it.Version, Hash: "md5:" + it.MD5,
			DownloadURL: it.DownloadURL, ManifestURL: it.ManifestURL,
		})
	}
	return marshalDocument(doc)
}

// ManifestXML renders the OpenRosa media manifest of a form.
func ManifestXML(files []MediaFile) []byte {
	doc := xmlManifest{Files: make([]xmlMediaFile, 0, len(files))}
	for _, f := range files {
		doc.Files = append(doc.Files, xmlMediaFile{Filename: f.Filename, Hash: "md5:" + f.MD5, DownloadURL: f.DownloadURL})
	}
	return marshalDocument(doc)
}

// ResponseXML renders the OpenRosaResponse sent after an accepted submission
// (message nature "submit_success").
func ResponseXML(message string) []byte {
	return marshalDocument(xmlResponse{Message: xmlMessage{Nature: "submit_success", Text: message}})
}

// ErrorResponseXML renders an OpenRosaResponse carrying an error message
// (message nature "error"), which Collect shows to the user.
func ErrorResponseXML(message string) []byte {
	return marshalDocument(xmlResponse{Message: xmlMessage{Nature: "error", Text: message}})
}

// marshalDocument renders v with an XML declaration. The documents are built
// from plain strings, so marshalling cannot fail.
func marshalDocument(v any) []byte {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		panic("openrosa: marshal document: " + err.Error())
	}
	return append([]byte(xml.Header), body...)
}
