package app

import (
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
)

// middleware is what every request goes through, in order. It must be installed before any route (Huma adds its
// OpenAPI routes when it is created): Fiber runs a Use handler only for the routes registered after it.
func (a *App) middleware() {
	f := a.fiber
	f.Use(requestID, a.accessLog, a.recoverPanic, a.securityHeaders, compressBodies, a.authenticate)
	f.Use(apiPrefix, corsAPI(a.cfg.Server.CORSOrigins))
	a.middlewareRoutes = map[*fiber.Route]bool{} // so that routePattern tells them from the route that answered
	for _, byMethod := range f.Stack() {
		for _, r := range byMethod {
			a.middlewareRoutes[r] = true
		}
	}
}

// routes is the map of the product: every route, API and UI, one line each with its method, path and access,
// grouped by domain. register adds a Huma operation (path under /api/v1, OpenAPI {params}); handle adds a plain
// Fiber handler under /api/v1 (a stream, a file) with its OpenAPI description; upload is handle for a route that
// reads its body as a stream (multipart uploads, with their own size limit); streamed marks such a path outside
// /api/v1. Pages are plain Fiber routes guarded by gate.
func (a *App) routes() {
	f := a.fiber
	// Who may call a project's routes: the least role in the project (see projectRole).
	reader, mapper, validator := projectRole(taskflow.RoleNone), projectRole(taskflow.RoleMapper),
		projectRole(taskflow.RoleValidator)
	fieldManager, manager := projectRole(taskflow.RoleFieldManager), projectRole(taskflow.RoleProjectManager)
	exportReader := exportAccess{min: taskflow.RoleValidator}

	// System
	register(a, "GET", "/healthcheck", anyone, healthOp, a.apiHealthcheck)
	register(a, "GET", "/settings", anyone, getSettingsOp, a.apiGetSettings)
	register(a, "PUT", "/settings", adminOnly, putSettingsOp, a.apiPutSettings)
	register(a, "GET", "/map/online-basemaps", anyone, listOnlineBasemapsOp, a.apiListOnlineBasemaps)
	f.Get("/metrics", a.metricsGate, a.serveMetrics) // Prometheus; [metrics] enabled, allow-list or administrator

	// Backups (administrators)
	register(a, "POST", "/backups", adminOnly, createBackupOp, a.apiCreateBackup)
	register(a, "GET", "/backups", adminOnly, listBackupsOp, a.apiListBackups)
	a.handle("GET", "/backups/:name", adminOnly, a.downloadBackup, downloadBackupDoc)
	register(a, "DELETE", "/backups/{name}", adminOnly, deleteBackupOp, a.apiDeleteBackup)
	f.Get("/backups", a.gate(adminOnly), a.showBackupsPage)
	f.Post("/backups", a.gate(adminOnly), a.startBackupForm)
	f.Get("/backups/progress", a.gate(adminOnly), a.backupProgressPartial)
	f.Post("/backups/:name/delete", a.gate(adminOnly), a.deleteBackupForm)

	// Jobs
	register(a, "GET", "/jobs/{id}", jobReader, getJobOp, a.apiGetJob)
	register(a, "DELETE", "/jobs/{id}", jobCancelAccess{}, cancelJobOp, a.apiCancelJob) // generation jobs

	// Accounts
	register(a, "POST", "/auth/tokens", anyone, createTokenOp, a.apiCreateToken)
	register(a, "DELETE", "/auth/tokens/current", signedIn, revokeTokenOp, a.apiRevokeToken)
	register(a, "GET", "/users/me", signedIn, getMeOp, a.apiGetMe)
	register(a, "PUT", "/users/me/password", signedIn, changePasswordOp, a.apiChangePassword)
	register(a, "GET", "/users/me/language", signedIn, getMyLanguageOp, a.apiGetMyLanguage)
	register(a, "PUT", "/users/me/language", signedIn, putMyLanguageOp, a.apiPutMyLanguage)
	register(a, "POST", "/users", adminOnly, createUserOp, a.apiCreateUser)
	register(a, "GET", "/users", adminOnly, listUsersOp, a.apiListUsers)
	register(a, "GET", "/users/{user_id}", adminOnly, getUserOp, a.apiGetUser)
	register(a, "PATCH", "/users/{user_id}", adminOnly, patchUserOp, a.apiPatchUser)

	// Projects, tasks, features
	register(a, "POST", "/projects", signedIn, createProjectOp, a.apiCreateProject)
	register(a, "GET", "/projects", anyone, listProjectsOp, a.apiListProjects)
	register(a, "GET", "/projects/{id}", reader, getProjectOp, a.apiGetProject)
	register(a, "PATCH", "/projects/{id}", manager, patchProjectOp, a.apiPatchProject)
	register(a, "DELETE", "/projects/{id}", manager, deleteProjectOp, a.apiDeleteProject)
	register(a, "GET", "/projects/{id}/members", mapper, listMembersOp, a.apiListMembers)
	register(a, "PUT", "/projects/{id}/members/{user_id}", manager, putMemberOp, a.apiPutMember)
	register(a, "DELETE", "/projects/{id}/members/{user_id}", manager, deleteMemberOp, a.apiDeleteMember)
	register(a, "POST", "/projects/{id}/split", manager, splitOp, a.apiSplit)
	register(a, "POST", "/projects/{id}/split/preview", manager, splitPreviewOp, a.apiSplitPreview)
	register(a, "GET", "/projects/{id}/tasks", reader, listTasksOp, a.apiListTasks)
	a.handle("GET", "/projects/:id/tasks/:index.:format", reader, a.downloadTask, downloadTaskDoc) // before {index}
	register(a, "GET", "/projects/{id}/tasks/{index}", reader, getTaskOp, a.apiGetTask)
	register(a, "POST", "/projects/{id}/tasks/{index}/events", mapper, taskActionOp, a.apiTaskAction)
	register(a, "GET", "/projects/{id}/tasks/{index}/events", reader, listTaskEventsOp, a.apiListTaskEvents)
	register(a, "GET", "/projects/{id}/stats", reader, statsOp, a.apiStats)
	a.handle("GET", "/projects/:id/aoi.geojson", reader, a.getAOI, aoiOp)
	a.handle("GET", "/projects/:id/tasks.geojson", reader, a.tasksGeoJSON, tasksGeoJSONOp)
	a.handle("GET", "/projects/:id/features.geojson", reader, a.featuresGeoJSON, featuresGeoJSONOp)
	a.handle("POST", "/projects/:id/features", manager, a.uploadFeatures, uploadFeaturesOp)

	// Teams and assignment
	register(a, "GET", "/projects/{id}/teams", mapper, listTeamsOp, a.apiListTeams)
	register(a, "POST", "/projects/{id}/teams", fieldManager, createTeamOp, a.apiCreateTeam)
	register(a, "GET", "/projects/{id}/teams/{tid}", mapper, getTeamOp, a.apiGetTeam)
	register(a, "PATCH", "/projects/{id}/teams/{tid}", fieldManager, patchTeamOp, a.apiPatchTeam)
	register(a, "DELETE", "/projects/{id}/teams/{tid}", fieldManager, deleteTeamOp, a.apiDeleteTeam)
	register(a, "PUT", "/projects/{id}/teams/{tid}/members/{user_id}", fieldManager, putTeamMemberOp, a.apiPutTeamMember)
	register(a, "DELETE", "/projects/{id}/teams/{tid}/members/{user_id}", fieldManager, deleteTeamMemberOp, a.apiDeleteTeamMember)
	register(a, "GET", "/projects/{id}/teams/{tid}/stats", mapper, teamStatsOp, a.apiTeamStats)
	register(a, "POST", "/projects/{id}/tasks/assign", fieldManager, assignTasksOp, a.apiAssignTasks)
	register(a, "POST", "/projects/{id}/tasks/unassign", fieldManager, unassignTasksOp, a.apiUnassignTasks)
	register(a, "GET", "/projects/{id}/my-tasks", mapper, myTasksOp, a.apiMyTasks)

	// Forms, submissions, ODK Collect, exports
	a.upload("POST", "/projects/:id/forms", manager, a.uploadForm, uploadFormDoc)
	a.handle("GET", "/projects/:id/forms/:form_id.xml", mapper, a.downloadFormXML, formXMLDoc)
	a.handle("GET", "/projects/:id/forms/:form_id/xlsform", mapper, a.downloadFormXLSForm, downloadXLSFormDoc)
	a.upload("POST", "/projects/:id/forms/:form_id/media", manager, a.uploadFormMedia, uploadMediaDoc)
	register(a, "GET", "/projects/{id}/forms", mapper, listFormsOp, a.apiListForms)
	register(a, "GET", "/ready-forms", anyone, listReadyFormsOp, a.apiListReadyForms)
	a.handle("GET", "/ready-forms/:name.xml", anyone, a.downloadReadyFormXML, readyFormXMLDoc)
	register(a, "POST", "/projects/{id}/ready-forms/{name}", manager, addReadyFormOp, a.apiAddReadyForm)
	register(a, "GET", "/projects/{id}/forms/{form_id}", mapper, getFormOp, a.apiGetForm)
	register(a, "POST", "/projects/{id}/collect-tokens", fieldManager, createCollectTokenOp, a.apiCreateCollectToken)
	register(a, "GET", "/projects/{id}/collect-tokens", fieldManager, listCollectTokensOp, a.apiListCollectTokens)
	register(a, "DELETE", "/projects/{id}/collect-tokens/{tid}", fieldManager, revokeCollectTokenOp, a.apiRevokeCollectToken)
	a.handle("GET", "/projects/:id/collect-tokens/:tid/qr.png", fieldManager, a.collectQR, collectQRDoc)
	a.handle("GET", "/projects/:id/collect-tokens/:tid/browser-qr.png", fieldManager, a.collectBrowserQR, browserQRDoc)
	a.handle("GET", "/projects/:id/forms/:form_id/media/:name", mapper, a.downloadFormMedia, formMediaDoc)
	a.upload("POST", "/projects/:id/submissions", mapper, a.createSubmission, createSubmissionDoc)
	a.upload("POST", "/projects/:id/submissions/import", manager, a.importSubmissions, importSubmissionsDoc)
	a.handle("GET", "/projects/:id/submissions.csv", validator, a.submissionsCSV, submissionsCSVDoc)
	a.handle("GET", "/projects/:id/submissions.geojson", validator, a.submissionsGeoJSON, submissionsGeoJSONDoc)
	a.handle("GET", "/projects/:id/submissions/:sid.xml", validator, a.downloadSubmissionXML, submissionXMLDoc)
	a.handle("GET", "/projects/:id/submissions/:sid/attachments/:name", validator, a.downloadAttachment, attachmentDoc)
	register(a, "GET", "/projects/{id}/submissions", validator, listSubmissionsOp, a.apiListSubmissions)
	register(a, "GET", "/projects/{id}/submissions/{sid}", validator, getSubmissionOp, a.apiGetSubmission)
	register(a, "PATCH", "/projects/{id}/submissions/{sid}", validator, reviewSubmissionOp, a.apiReviewSubmission)
	register(a, "POST", "/projects/{id}/exports", validator, createExportOp, a.apiCreateExport)
	register(a, "GET", "/exports/{eid}", exportReader, getExportOp, a.apiGetExport)
	a.handle("GET", "/exports/:eid/download", exportReader, a.downloadExport, downloadExportDoc)

	// ODK Collect (OpenRosa 1.0): the device token in the path is the only credential (odkAuth)
	f.Get("/odk/:token/formList", a.odkAuth, a.odkFormList)
	f.Get("/odk/:token/forms/:form_id/form.xml", a.odkAuth, a.odkFormXML)
	f.Get("/odk/:token/forms/:form_id/manifest", a.odkAuth, a.odkManifest)
	f.Get("/odk/:token/forms/:form_id/media/:name", a.odkAuth, a.odkMedia)
	f.Get("/odk/:token/submission", a.odkAuth, a.odkSubmissionHead) // HEAD runs the GET route (headAsGet)
	f.Post(a.streamed("/odk/:token/submission"), a.odkAuth, a.odkSubmit)
	f.Get("/odk/:token", a.deviceLinkAuth, a.showDeviceFormsPage)                    // the browser's device link
	f.Get("/odk/:token/forms/:form_id/fill", a.deviceLinkAuth, a.showDeviceFillPage) // Web Forms, no account

	// Live updates
	a.handle("GET", "/projects/:id/events/stream", mapper, a.streamEvents, eventsStreamOp)

	// Basemaps
	a.upload("POST", "/projects/:id/basemaps", manager, a.uploadBasemap, uploadBasemapDoc)
	a.handle("GET", "/projects/:id/basemaps/:bid/tiles/:z/:x/:y", reader, a.basemapTile, basemapTileDoc)
	a.handle("GET", "/projects/:id/basemaps/:bid/file", reader, a.basemapFile, basemapFileDoc)
	register(a, "GET", "/projects/{id}/basemaps", reader, listBasemapsOp, a.apiListBasemaps)
	register(a, "GET", "/projects/{id}/offline-tiles", mapper, offlineTilesOp, a.apiOfflineTiles)
	register(a, "GET", "/projects/{id}/basemaps/{bid}", reader, getBasemapOp, a.apiGetBasemap)
	register(a, "DELETE", "/projects/{id}/basemaps/{bid}", manager, deleteBasemapOp, a.apiDeleteBasemap)
	register(a, "POST", "/projects/{id}/basemaps/estimate", manager, estimateBasemapOp, a.apiEstimateBasemap)
	register(a, "POST", "/projects/{id}/basemaps/generate", manager, generateBasemapOp, a.apiGenerateBasemap)
	f.Get("/projects/:id/basemaps", a.gate(reader), a.showBasemapsPage)
	f.Post("/projects/:id/basemaps/:bid/delete", a.gate(manager), a.deleteBasemapForm)
	f.Post("/projects/:id/basemaps/estimate", a.gate(manager), a.estimateBasemapForm)
	f.Post("/projects/:id/basemaps/generate", a.gate(manager), a.generateBasemapForm)
	f.Get("/projects/:id/basemaps/jobs/:jid", a.gate(manager), a.generationJobPartial)
	f.Post("/projects/:id/basemaps/jobs/:jid/cancel", a.gate(manager), a.cancelGenerationForm)

	// Project pages
	f.Get("/projects", a.showProjectsPage)
	f.Get("/projects/new", a.gate(signedIn), a.showNewProjectPage)
	f.Post("/projects/new/aoi", a.gate(signedIn), a.checkAOIPartial)
	f.Post("/projects/new/split-preview", a.gate(signedIn), a.previewNewSplit)
	f.Post("/projects", a.gate(signedIn), a.createProjectForm)
	f.Get("/projects/:id", a.gate(reader), a.showProjectPage)
	f.Get("/projects/:id/progress", a.gate(reader), a.projectProgressPartial)
	f.Get("/projects/:id/split", a.gate(manager), a.showSplitPage)
	f.Post("/projects/:id/split", a.gate(manager), a.splitProjectForm)
	f.Post("/projects/:id/publish", a.gate(manager), a.publishProjectForm)
	f.Get("/projects/:id/tasks/:index", a.gate(reader), a.taskPanelPartial)
	f.Post("/projects/:id/tasks/:index", a.gate(mapper), a.taskActionForm)
	f.Get("/projects/:id/features/:fid", a.gate(reader), a.featurePanelPartial)
	f.Get("/projects/:id/members", a.gate(mapper), a.showMembersPage)
	f.Post("/projects/:id/members", a.gate(manager), a.addMemberForm)
	f.Post("/projects/:id/members/:user_id", a.gate(manager), a.changeMemberForm)
	f.Get("/projects/:id/teams", a.gate(mapper), a.showTeamsPage)
	f.Post("/projects/:id/teams", a.gate(fieldManager), a.createTeamForm)
	f.Post("/projects/:id/teams/:tid", a.gate(fieldManager), a.changeTeamForm)
	f.Post("/projects/:id/teams/:tid/members", a.gate(fieldManager), a.teamMemberForm)
	f.Get("/projects/:id/my-tasks", a.gate(mapper), a.showMyTasksPage)

	// Submission pages
	f.Get("/projects/:id/devices", a.gate(fieldManager), a.showDevicesPage)
	f.Post("/projects/:id/devices", a.gate(fieldManager), a.createDeviceForm)
	f.Post("/projects/:id/devices/:tid/revoke", a.gate(fieldManager), a.revokeDeviceForm)
	f.Get("/projects/:id/forms", a.gate(mapper), a.showFormsPage)
	f.Get("/projects/:id/forms/:form_id/fill", a.gate(mapper), a.showFillPage) // ODK Web Forms in the browser
	f.Post("/projects/:id/forms", a.gate(manager), a.uploadFormPage)
	f.Post("/projects/:id/ready-forms/:name", a.gate(manager), a.addReadyFormPage)
	f.Post("/projects/:id/forms/:form_id/media", a.gate(manager), a.uploadMediaPage)
	f.Get("/projects/:id/submissions", a.gate(validator), a.showSubmissionsPage)
	f.Get("/projects/:id/submissions/:sid", a.gate(validator), a.showSubmissionPage)
	f.Post("/projects/:id/submissions/:sid/review", a.gate(validator), a.reviewSubmissionForm)
	f.Get("/projects/:id/submissions/:sid/files/:name", a.gate(validator), a.showAttachment)
	f.Post("/projects/:id/exports", a.gate(validator), a.startExportForm)
	f.Post(a.streamed("/projects/:id/submissions/import"), a.gate(manager), a.importSubmissionsForm)

	// HTTPS on the LAN: the local certificate authority, for phones to trust (public, as the certificate is)
	f.Get("/ca", a.showCAPage)
	f.Get("/ca.crt", a.downloadCA)
	f.Get("/ca.pem", a.downloadCA)
	f.Get("/ca/qr.png", a.caQR)

	// Pages
	f.Get("/", a.showHomePage)
	f.Post("/language", a.chooseLanguageForm)
	f.Get("/login", a.showLoginPage)
	f.Post("/login", a.login)
	f.Post("/logout", a.logout)
	f.Get("/setup/:token", a.showSetupPage)
	f.Post("/setup/:token", a.setupAdmin)
	f.Get("/account/password", a.gate(signedIn), a.showPasswordPage)
	f.Post("/account/password", a.gate(signedIn), a.changePasswordForm)
	f.Get("/users", a.gate(adminOnly), a.showUsersPage)
	f.Post("/users", a.gate(adminOnly), a.createUserForm)
	f.Get("/users/:user_id", a.gate(adminOnly), a.showUserEditPage)
	f.Post("/users/:user_id", a.gate(adminOnly), a.editUserForm)
	f.Get("/settings", a.gate(adminOnly), a.showSettingsPage)
	f.Post("/settings", a.gate(adminOnly), a.saveSettingsForm)
	f.Get("/docs", a.standalone("docs", "docs_page"))
	f.Get("/redoc", a.standalone("redoc", "redoc_page"))
	f.Get("/static/*", a.static.serve)

	// Notifications (each person's own)
	register(a, "GET", "/notifications", signedIn, listNotificationsOp, a.apiListNotifications)
	register(a, "POST", "/notifications/read", signedIn, markNotificationsReadOp, a.apiMarkNotificationsRead)
	register(a, "GET", "/users/me/notification-preferences", signedIn, getNoticePrefsOp, a.apiGetNoticePrefs)
	register(a, "PUT", "/users/me/notification-preferences", signedIn, putNoticePrefsOp, a.apiPutNoticePrefs)
	f.Get("/notifications", a.gate(signedIn), a.showNotificationsPage)
	f.Get("/notifications/stream", a.gate(signedIn), a.streamNotifications) // the bell's unread count, live
	f.Post("/notifications/read", a.gate(signedIn), a.markNotificationsReadForm)
	f.Get("/notifications/:nid/open", a.gate(signedIn), a.openNotification)
	f.Post("/notifications/:nid/read", a.gate(signedIn), a.markNotificationsReadForm)
	f.Get("/account/notifications", a.gate(signedIn), a.showNoticePrefsPage)
	f.Post("/account/notifications", a.gate(signedIn), a.saveNoticePrefsForm)
	// Offline collection in the browser: the service worker (root scope), the app manifest, the outbox
	f.Get("/sw.js", a.serviceWorker)
	f.Get("/manifest.webmanifest", a.webManifest)
	f.Get("/outbox", a.showOutboxPage)
	f.Get("/offline", a.showOfflinePage)
}
