package app

// sessionCookie is the name of the browser session cookie.
const sessionCookie = "fb_session"
