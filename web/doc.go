// Package web is Wenshu's HTTP face: the REST API (gin), the websocket stream
// (gorilla/websocket) that sends each stage of an answer the moment it is
// ready, the embedded chat page, and the server's own metadata store of
// conversations. It is the only package that imports gin and gorilla.
package web
