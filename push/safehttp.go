package push

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Guard decides which addresses webhooks may reach: public ones always;
// private and loopback ones only when allowed (WENSHU_PUSH_ALLOW_HOSTS);
// link-local (cloud metadata) never.
type Guard struct {
	hosts []string
	nets  []netip.Prefix
}

// ErrForbiddenAddress is returned for a webhook that would reach an address
// the guard refuses.
var ErrForbiddenAddress = errors.New("the webhook address is private, loopback or link-local")

// NewGuard reads an allow list: comma-separated host names and CIDRs
// ("hooks.internal,10.1.0.0/16").
func NewGuard(allow string) (*Guard, error) {
	g := &Guard{}
	for _, item := range strings.Split(allow, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
		case strings.Contains(item, "/"):
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("WENSHU_PUSH_ALLOW_HOSTS: %q: %w", item, err)
			}
			g.nets = append(g.nets, p.Masked())
		default:
			if a, err := netip.ParseAddr(item); err == nil {
				g.nets = append(g.nets, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			g.hosts = append(g.hosts, strings.ToLower(item))
		}
	}
	return g, nil
}

// allowed reports whether a dialled address may be used for host.
func (g *Guard) allowed(host string, a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	if !(a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsMulticast()) {
		return true
	}
	for _, h := range g.hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	for _, p := range g.nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// CheckURL validates a webhook URL when it is saved: http or https, a host,
// and every address the host resolves to allowed.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return fmt.Errorf("the webhook URL must be http(s)://host/…, got %q", raw)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("the webhook host %s does not resolve: %w", u.Hostname(), err)
	}
	for _, a := range addrs {
		if !g.allowed(u.Hostname(), a) {
			return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, u.Hostname(), a.Unmap())
		}
	}
	return nil
}

// Client is an HTTP client for webhooks: it resolves the host itself and
// dials only the addresses the guard allows, so the address checked is the
// address connected to (a name that resolves elsewhere later, or rebinding
// DNS, cannot reach a refused one); it uses no proxy and follows no
// redirects.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	tr := &http.Transport{
		TLSHandshakeTimeout: 10 * time.Second,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			if err != nil {
				return nil, err
			}
			var last error = fmt.Errorf("%w: %s has no address", ErrForbiddenAddress, host)
			for _, a := range addrs {
				if !g.allowed(host, a) {
					last = fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, host, a.Unmap())
					continue
				}
				conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
				if err == nil {
					return conn, nil
				}
				last = err
			}
			return nil, last
		},
	}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("webhooks may not redirect") }}
}
