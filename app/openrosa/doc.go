// Package openrosa speaks the OpenRosa side of Fieldbase: it validates XForms,
// reads submission instances, writes the OpenRosa form list, manifest and
// response documents, checks attachment file names, flattens submissions for
// CSV export and builds ODK Collect configuration QR codes.
//
// Every XML document is parsed by a guarded decoder that refuses DOCTYPE and
// ENTITY declarations and bounds size, depth and element count, so the
// package can be fed untrusted bytes from phones.
//
// The package is pure logic: it must not import an HTTP framework (fiber,
// huma) nor fieldbase/db.
package openrosa
