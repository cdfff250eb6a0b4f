package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Health: /healthz reports each dependency (the data engine, the store);
// /readyz is 503 while one of them is down, so a load balancer sends
// questions elsewhere. Both stay open without sign-in.

type pinger interface {
	Ping(ctx context.Context) error
}

func (s *Server) dependencies(ctx context.Context) (gin.H, bool) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	deps, ok := gin.H{}, true
	check := func(name string, err error) {
		if err != nil {
			deps[name] = gin.H{"status": "down", "error": err.Error()}
			ok = false
			return
		}
		deps[name] = gin.H{"status": "ok"}
	}
	if p, isPinger := s.eng().Runner.(pinger); isPinger {
		check("engine", p.Ping(ctx))
	} else {
		deps["engine"] = gin.H{"status": "ok"}
	}
	check("store", s.store.Ping(ctx))
	return deps, ok
}

func (s *Server) handleHealth(c *gin.Context) {
	deps, ok := s.dependencies(c.Request.Context())
	status := "ok"
	if !ok {
		status = "degraded"
	}
	c.JSON(http.StatusOK, gin.H{"status": status, "dependencies": deps})
}

func (s *Server) handleReady(c *gin.Context) {
	deps, ok := s.dependencies(c.Request.Context())
	if !ok {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "dependencies": deps})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "dependencies": deps})
}
