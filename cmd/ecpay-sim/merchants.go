package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/internal/input"
)

// envMerchants is the environment variable ecpay-sim reads merchants from,
// besides --merchant and --merchants-file: ID:HashKey:HashIV entries
// separated by spaces or newlines. Unlike a flag, it does not show in
// /proc/PID/cmdline or ps.
const envMerchants = "ECPAY_SIM_MERCHANTS"

// maxMerchantsFile bounds what --merchants-file reads: a few lines of
// ID:HashKey:HashIV.
const maxMerchantsFile = 1 << 20

// merchantSpec is a merchant as given, and where it was given, for
// messages that must name it without its value: "--merchant #2",
// "ECPAY_SIM_MERCHANTS entry #1", "--merchants-file m.txt line 3".
type merchantSpec struct {
	where, id, key, iv string
}

// parseMerchant reads an ID:HashKey:HashIV entry given at where. Its error
// never repeats the entry, which holds keys.
func parseMerchant(where, v string) (merchantSpec, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return merchantSpec{}, fmt.Errorf("%s: want ID:HashKey:HashIV, three parts separated by ':', got %s", where, plural(len(parts), "part"))
	}
	return merchantSpec{where: where, id: parts[0], key: parts[1], iv: parts[2]}, nil
}

// looksLikeMerchant reports a value shaped as ID:HashKey:HashIV, with a
// HashKey and a HashIV of 16 bytes: a merchant given to the wrong flag.
func looksLikeMerchant(v string) bool {
	parts := strings.Split(v, ":")
	return len(parts) == 3 && len(parts[1]) == 16 && len(parts[2]) == 16
}

// merchantEntries reads the ID:HashKey:HashIV entries of text, separated
// by spaces or newlines, a line starting with '#' a comment; where names
// the entry of a line (from 1) and of an index among all (from 1).
func merchantEntries(text string, where func(line, entry int) string) ([]merchantSpec, error) {
	var out []merchantSpec
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, v := range strings.Fields(line) {
			m, err := parseMerchant(where(i+1, len(out)+1), v)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// readMerchantsFile reads the merchants of --merchants-file path: a regular
// file (or a pipe) that only its owner may read, since it holds keys.
func readMerchantsFile(ctx context.Context, path string) ([]merchantSpec, error) {
	in, err := input.Open(ctx, "--merchants-file", path, maxMerchantsFile)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	if runtime.GOOS != "windows" {
		info, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("--merchants-file: %w", err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("--merchants-file %s may be read by others (mode %04o) and holds keys: chmod 600 %s", path, perm, path)
		}
	}
	text, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	return merchantEntries(string(text), func(line, _ int) string {
		return "--merchants-file " + path + " line " + strconv.Itoa(line)
	})
}

// merchants returns the merchants of the command line and the
// environment, in their order (--merchant, then
// --merchants-file, then ECPAY_SIM_MERCHANTS), and the first one's ID
// ("" for none). Its errors name where a merchant was given, never its
// keys.
func merchants(ctx context.Context, f *flags, lookupEnv func(string) (string, bool)) ([]ecpaysim.Merchant, string, error) {
	var specs []merchantSpec
	for i, v := range f.merchants {
		m, err := parseMerchant("--merchant #"+strconv.Itoa(i+1), v)
		if err != nil {
			return nil, "", err
		}
		specs = append(specs, m)
	}
	if f.merchantsFile != "" {
		ms, err := readMerchantsFile(ctx, f.merchantsFile)
		if err != nil {
			return nil, "", err
		}
		specs = append(specs, ms...)
	}
	if text, ok := lookupEnv(envMerchants); ok {
		ms, err := merchantEntries(text, func(_, entry int) string { return envMerchants + " entry #" + strconv.Itoa(entry) })
		if err != nil {
			return nil, "", err
		}
		if len(ms) == 0 {
			return nil, "", fmt.Errorf("%s is set but holds no merchant: give ID:HashKey:HashIV entries separated by spaces, or unset it", envMerchants)
		}
		specs = append(specs, ms...)
	}
	var out []ecpaysim.Merchant
	seen := map[string]string{}
	for _, m := range specs {
		opt := ecpaysim.WithMerchant(m.id, m.key, m.iv)
		if _, err := ecpaysim.Configured(opt); err != nil {
			// The library quotes an ID that does not fit, which may be a
			// key given in the wrong order.
			msg := strings.ReplaceAll(libraryMessage(err), "merchant ID "+strconv.Quote(m.id), "the merchant ID")
			return nil, "", fmt.Errorf("%s: %s", m.where, msg)
		}
		if first, ok := seen[m.id]; ok {
			return nil, "", fmt.Errorf("%s: merchant %s is given twice, first by %s", m.where, m.id, first)
		}
		seen[m.id] = m.where
		out = append(out, ecpaysim.Merchant{ID: m.id, HashKey: m.key, HashIV: m.iv})
	}
	if len(specs) == 0 {
		return nil, "", nil
	}
	return out, specs[0].id, nil
}
