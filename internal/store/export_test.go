package store

// SetQuickProbeMax sets how many matches QuickSearch reads through the
// fields' indexes before it walks the org's leads, until the test ends.
func SetQuickProbeMax(t interface{ Cleanup(func()) }, n int) {
	old := quickProbeMax
	quickProbeMax = n
	t.Cleanup(func() { quickProbeMax = old })
}

// SetSearchProbeMax sets the most matches of an indexed condition for
// which SearchLeads sorts the matches, until the test ends.
func SetSearchProbeMax(t interface{ Cleanup(func()) }, n int) {
	old := searchProbeMax
	searchProbeMax = n
	t.Cleanup(func() { searchProbeMax = old })
}
