package awsenv

import (
	"context"
	"fmt"
	"reflect"
)

// Client adapts a ClientSource to the narrow client interfaces of the
// packages that call AWS: it returns the client of an account alias in a
// region that pick takes from the source's Clients, as the interface the
// caller wants:
//
//	awsenv.Client(ctx, src, account, region, "EC2", func(c *awsenv.Clients) apply.EC2API { return c.EC2 })
//
// It is the one adapter from awsenv's clients to apply.Clients (and its
// Route 53), live's Lattice, Route 53 and SNS sources, status's and
// export's. A client the Clients lack (nil: built by hand, in tests) is the
// error "no NAME client", never a nil client in a non-nil interface.
func Client[T any](ctx context.Context, src ClientSource, account, region, name string, pick func(*Clients) T) (T, error) {
	var zero T
	c, err := src.ClientsFor(ctx, account, region)
	if err != nil {
		return zero, err
	}
	v := pick(c)
	if rv := reflect.ValueOf(v); !rv.IsValid() || rv.Kind() == reflect.Pointer && rv.IsNil() {
		return zero, fmt.Errorf("no %s client", name)
	}
	return v, nil
}
