package store

// SetQuickProbeMax sets how many matches QuickSearch reads through the
// fields' indexes before it walks the org's leads, until the test ends.
func SetQuickProbeMax(t interface{ Cleanup(func()) }, n int) {
	old := quickProbeMax
	quickProbeMax = n
	t.Cleanup(func() { quickProbeMax = old })
}
