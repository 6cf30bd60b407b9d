package live

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// allPages calls page with each page's token (nil for the first) until the
// server returns no token for a next page. page makes one call, keeps what
// it returned and gives back the next token.
func allPages(page func(token *string) (next *string, err error)) error {
	var token *string
	for {
		next, err := page(token)
		if err != nil {
			return err
		}
		tok := nextToken(token, next)
		if tok == "" {
			return nil
		}
		token = aws.String(tok)
	}
}

// nextToken returns the token for the next page, or "" when done (also when
// a server repeats a token, which would loop forever).
func nextToken(prev *string, next *string) string {
	n := aws.ToString(next)
	if n == "" || n == aws.ToString(prev) {
		return ""
	}
	return n
}

// readByID is one recorded call that describes the ids with an id filter
// named filter, filterValueMax ids a filter, every page of each. Filters
// return the ids that exist; an unknown id in an Ids list would fail the
// whole call. page makes one call and keeps what it returned.
func (rd *reader) readByID(ctx context.Context, sc *scopeState, call, filter string, ids set,
	page func(ctx context.Context, filters []ec2types.Filter, token *string) (next *string, err error)) error {
	return rd.call(ctx, sc, call, func(ctx context.Context) error {
		for _, batch := range chunks(ids.sorted(), filterValueMax) {
			filters := []ec2types.Filter{{Name: aws.String(filter), Values: batch}}
			err := allPages(func(token *string) (*string, error) { return page(ctx, filters, token) })
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// chunks splits ids into batches of at most n.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
