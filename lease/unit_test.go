package lease

import (
	"regexp"
	"strings"
	"testing"
)

func TestRunIDIsATagValue(t *testing.T) {
	id := RunID()
	if !regexp.MustCompile(`^[A-Za-z0-9 +\-=._:/@]{1,256}$`).MatchString(id) || !strings.Contains(id, ":") {
		t.Errorf("RunID %q is not a valid EC2 tag value of the form user@host:pid/random", id)
	}
	if RunID() == id {
		t.Error("two RunIDs are equal")
	}
	if got := tagSafe("ä b!c" + strings.Repeat("x", 300)); len(got) != 256 || !strings.HasPrefix(got, "_ b_c") {
		t.Errorf("tagSafe: %q", got[:10])
	}
}

func TestName(t *testing.T) {
	if got := Name("payments-privatelink"); got != "plink-lease-payments-privatelink" {
		t.Errorf("Name: %s", got)
	}
}
