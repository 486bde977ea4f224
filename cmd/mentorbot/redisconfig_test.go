package main

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseConfigRedis(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		// want is the options in short: addrs, master, cluster, db,
		// user, password, sentinel password, TLS server name, prefix.
		want string
	}{
		{"embedded", nil,
			"embedded prefix=mb:"},
		{"standalone", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/15"},
			"addrs=127.0.0.1:6379 master= cluster=false db=15 user= pw= spw= tls=- prefix=mb:"},
		{"default port", map[string]string{"REDIS_URL": "redis://redis.internal"},
			"addrs=redis.internal:6379 master= cluster=false db=0 user= pw= spw= tls=- prefix=mb:"},
		{"tls and credentials", map[string]string{"REDIS_URL": "rediss://bot:p%40ss@redis.example:6380/2"},
			"addrs=redis.example:6380 master= cluster=false db=2 user=bot pw=p@ss spw= tls=redis.example prefix=mb:"},
		{"prefix", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": "uni-pd:"},
			"addrs=127.0.0.1:6379 master= cluster=false db=0 user= pw= spw= tls=- prefix=uni-pd:"},
		{"sentinel", map[string]string{"REDIS_URL": "redis://:secret@10.0.0.1,10.0.0.2:26380,10.0.0.3/1",
			"REDIS_MASTER": "mymaster", "REDIS_SENTINEL_PASSWORD": "s3nt"},
			"addrs=10.0.0.1:26379,10.0.0.2:26380,10.0.0.3:26379 master=mymaster cluster=false db=1 user= pw=secret spw=s3nt tls=- prefix=mb:"},
		{"cluster by addresses", map[string]string{"REDIS_URL": "rediss://u:pw@node1:7000,node2:7001,node3:7002"},
			"addrs=node1:7000,node2:7001,node3:7002 master= cluster=true db=0 user=u pw=pw spw= tls= prefix=mb:"},
		{"cluster by flag", map[string]string{"REDIS_URL": "redis://clustercfg.example:6379", "REDIS_CLUSTER": "true"},
			"addrs=clustercfg.example:6379 master= cluster=true db=0 user= pw= spw= tls=- prefix=mb:"},
		{"ipv6", map[string]string{"REDIS_URL": "redis://[::1]:6379/3"},
			"addrs=[::1]:6379 master= cluster=false db=3 user= pw= spw= tls=- prefix=mb:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(nil, env(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("parseConfig(%v) = %v; want no error", tt.env, err)
			}
			if got := describeRedis(cfg); got != tt.want {
				t.Errorf("parseConfig(%v) Redis = %q; want %q", tt.env, got, tt.want)
			}
		})
	}
}

// describeRedis renders the Redis part of cfg for comparison.
func describeRedis(cfg Config) string {
	o := cfg.Redis
	if o == nil {
		return "embedded prefix=" + cfg.RedisPrefix
	}
	tls := "-"
	if o.TLSConfig != nil {
		tls = o.TLSConfig.ServerName
	}
	return fmt.Sprintf("addrs=%s master=%s cluster=%v db=%d user=%s pw=%s spw=%s tls=%s prefix=%s",
		strings.Join(o.Addrs, ","), o.MasterName, o.IsClusterMode, o.DB, o.Username, o.Password,
		o.SentinelPassword, tls, cfg.RedisPrefix)
}

func TestParseConfigRedisKeepsURLOptions(t *testing.T) {
	cfg, err := parseConfig(nil, env(map[string]string{
		"REDIS_URL": "redis://a:6379,b:6379?dial_timeout=2s&read_timeout=4s&pool_size=7"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Redis
	if o.DialTimeout != 2*time.Second || o.ReadTimeout != 4*time.Second || o.PoolSize != 7 {
		t.Errorf("options from the URL's query = dial %v, read %v, pool %d; want 2s, 4s, 7", o.DialTimeout, o.ReadTimeout, o.PoolSize)
	}
}

func TestParseConfigRedisProtocol(t *testing.T) {
	for url, want := range map[string]int{
		"redis://a:6379/0":            2, // RESP2 unless asked: see redisstore.Protocol
		"redis://a:6379/0?protocol=3": 3,
	} {
		cfg, err := parseConfig(nil, env(map[string]string{"REDIS_URL": url}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Redis.Protocol; got != want {
			t.Errorf("REDIS_URL=%s: Protocol = %d; want %d", url, got, want)
		}
	}
}

func TestParseConfigRedisErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"scheme", map[string]string{"REDIS_URL": "http://localhost:6379"}, "REDIS_URL"},
		{"no scheme", map[string]string{"REDIS_URL": "localhost:6379"}, "REDIS_URL"},
		{"empty address", map[string]string{"REDIS_URL": "redis://a:6379,,b:6379"}, "REDIS_URL"},
		{"bad port", map[string]string{"REDIS_URL": "redis://a:99999"}, "REDIS_URL"},
		{"bad db", map[string]string{"REDIS_URL": "redis://a:6379/x"}, "REDIS_URL"},
		{"cluster db", map[string]string{"REDIS_URL": "redis://a:6379,b:6379/2"}, "database 0"},
		{"cluster flag", map[string]string{"REDIS_URL": "redis://a:6379", "REDIS_CLUSTER": "maybe"}, "REDIS_CLUSTER"},
		{"master and cluster", map[string]string{"REDIS_URL": "redis://a:26379", "REDIS_MASTER": "m", "REDIS_CLUSTER": "true"}, "REDIS_MASTER"},
		{"master without url", map[string]string{"REDIS_MASTER": "m"}, "REDIS_URL"},
		{"sentinel password alone", map[string]string{"REDIS_URL": "redis://a:6379", "REDIS_SENTINEL_PASSWORD": "x"}, "REDIS_SENTINEL_PASSWORD"},
		{"prefix spaces", map[string]string{"REDIS_PREFIX": "my bot:"}, "REDIS_PREFIX"},
		{"prefix too long", map[string]string{"REDIS_PREFIX": strings.Repeat("p", 65)}, "REDIS_PREFIX"},
		{"prefix hash tag", map[string]string{"REDIS_PREFIX": "{mb}:"}, "REDIS_PREFIX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(nil, env(tt.env), io.Discard)
			if err == nil {
				t.Fatalf("parseConfig(%v) = %+v, nil; want an error naming %s", tt.env, cfg.Redis, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("parseConfig(%v) = %q; want one line naming %s", tt.env, err, tt.want)
			}
		})
	}
}
