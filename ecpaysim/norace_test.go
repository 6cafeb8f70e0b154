//go:build !race

package ecpaysim_test

// raceEnabled reports that the tests run under the race detector (see
// race_test.go).
const raceEnabled = false
