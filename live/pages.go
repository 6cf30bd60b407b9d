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

// listed is what a page function of a list API gives back for one call:
// the page's items and the next page's token, as pick finds them in the
// answer out, or the call's error (out is nil then).
func listed[Out, T any](out *Out, err error, pick func(*Out) ([]T, *string)) ([]T, *string, error) {
	if err != nil {
		return nil, nil, err
	}
	items, next := pick(out)
	return items, next, nil
}

// appendPages appends the items of every page (allPages) to *got: page
// makes one call and gives back its page's items and the next page's token
// (listed). What was read stays in *got also when a later page fails.
func appendPages[T any](got *[]T, page func(token *string) ([]T, *string, error)) error {
	return allPages(func(token *string) (*string, error) {
		items, next, err := page(token)
		if err != nil {
			return nil, err
		}
		*got = append(*got, items...)
		return next, nil
	})
}

// listAll is one recorded call (call) that reads every page of a list API
// (appendPages). It returns the items read, also when a later page failed.
func listAll[T any](rd *reader, ctx context.Context, sc *scopeState, call string,
	page func(ctx context.Context, token *string) ([]T, *string, error)) ([]T, error) {
	var got []T
	err := rd.call(ctx, sc, call, func(ctx context.Context) error {
		return appendPages(&got, func(token *string) ([]T, *string, error) { return page(ctx, token) })
	})
	return got, err
}

// readByID is one recorded call that describes the ids with an id filter
// named filter, filterValueMax ids a filter, every page of each. Filters
// return the ids that exist; an unknown id in an Ids list would fail the
// whole call. page makes one call and gives back its page's items and the
// next page's token (listed); readByID returns the items of every page read.
func readByID[T any](rd *reader, ctx context.Context, sc *scopeState, call, filter string, ids set,
	page func(ctx context.Context, filters []ec2types.Filter, token *string) ([]T, *string, error)) ([]T, error) {
	var got []T
	err := rd.call(ctx, sc, call, func(ctx context.Context) error {
		for _, batch := range chunks(ids.sorted(), filterValueMax) {
			filters := []ec2types.Filter{{Name: aws.String(filter), Values: batch}}
			err := appendPages(&got, func(token *string) ([]T, *string, error) { return page(ctx, filters, token) })
			if err != nil {
				return err
			}
		}
		return nil
	})
	return got, err
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
