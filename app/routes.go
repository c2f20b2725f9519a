package app

import "fieldbase/app/taskflow"

// routes is the map of the product: every route, API and UI, one line each, grouped by domain.
func (a *App) routes() {
	f := a.fiber
	f.Use(requestID, a.accessLog, a.recoverPanic, securityHeaders, a.authenticate)
	f.Use(apiPrefix, corsAPI(a.cfg.Server.CORSOrigins))

	// System
	register(a, anyone, healthOp, a.apiHealthcheck)
	register(a, anyone, getSettingsOp, a.apiGetSettings)
	register(a, adminOnly, putSettingsOp, a.apiPutSettings)

	// Jobs
	register(a, signedIn, getJobOp, a.apiGetJob)

	// Accounts
	register(a, anyone, createTokenOp, a.apiCreateToken)
	register(a, signedIn, revokeTokenOp, a.apiRevokeToken)
	register(a, signedIn, getMeOp, a.apiGetMe)
	register(a, signedIn, changePasswordOp, a.apiChangePassword)
	register(a, adminOnly, createUserOp, a.apiCreateUser)
	register(a, adminOnly, listUsersOp, a.apiListUsers)
	register(a, adminOnly, getUserOp, a.apiGetUser)
	register(a, adminOnly, patchUserOp, a.apiPatchUser)

	// Projects, tasks, features (issue 4)
	register(a, signedIn, createProjectOp, a.apiCreateProject)
	register(a, anyone, listProjectsOp, a.apiListProjects)
	register(a, projectRole(taskflow.RoleNone), getProjectOp, a.apiGetProject)
	register(a, projectRole(taskflow.RoleProjectManager), patchProjectOp, a.apiPatchProject)
	register(a, projectRole(taskflow.RoleProjectManager), deleteProjectOp, a.apiDeleteProject)
	register(a, projectRole(taskflow.RoleMapper), listMembersOp, a.apiListMembers)
	register(a, projectRole(taskflow.RoleProjectManager), putMemberOp, a.apiPutMember)
	register(a, projectRole(taskflow.RoleProjectManager), deleteMemberOp, a.apiDeleteMember)
	register(a, projectRole(taskflow.RoleProjectManager), splitOp, a.apiSplit)
	register(a, projectRole(taskflow.RoleProjectManager), splitPreviewOp, a.apiSplitPreview)
	register(a, projectRole(taskflow.RoleNone), listTasksOp, a.apiListTasks)
	register(a, projectRole(taskflow.RoleNone), getTaskOp, a.apiGetTask)
	register(a, projectRole(taskflow.RoleMapper), taskActionOp, a.apiTaskAction)
	register(a, projectRole(taskflow.RoleNone), listTaskEventsOp, a.apiListTaskEvents)
	register(a, projectRole(taskflow.RoleNone), statsOp, a.apiStats)
	f.Get(apiPrefix+"/projects/:id/aoi.geojson", a.gate(projectRole(taskflow.RoleNone)), a.getAOI)
	f.Get(apiPrefix+"/projects/:id/tasks.geojson", a.gate(projectRole(taskflow.RoleNone)), a.tasksGeoJSON)
	f.Get(apiPrefix+"/projects/:id/features.geojson", a.gate(projectRole(taskflow.RoleNone)), a.featuresGeoJSON)
	f.Post(apiPrefix+"/projects/:id/features", a.gate(projectRole(taskflow.RoleProjectManager)), a.uploadFeatures)
	a.document(aoiOp)
	a.document(tasksGeoJSONOp)
	a.document(featuresGeoJSONOp)
	a.document(uploadFeaturesOp)

	// Forms, submissions, ODK Collect, exports (issue 5)

	// Pages
	f.Get("/", a.showHomePage)
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
	f.Get("/docs", a.standalone("docs", "docs_page"))
	f.Get("/redoc", a.standalone("redoc", "redoc_page"))
	f.Get("/static/*", a.static.serve)
}
