package sagemaker

import "context"

// Left returns what of the handle may still exist after Delete: the endpoint, the
// configuration and the model Delete has not deleted. Each is described first: one
// SageMaker no longer finds is not left (a delete whose answer was lost went through,
// or a create whose outcome was unknown never happened). One whose describe fails is
// listed: it may exist. Left changes nothing, so a later Delete still tries them all;
// after a Delete that succeeded it is empty without a call.
func (e *Endpoint) Left(ctx context.Context) []Resource {
	if e == nil || e.c == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Resource
	for _, st := range []struct {
		kind Kind
		name string
		p    presence
	}{
		{KindEndpoint, e.Name, e.live.endpoint},
		{KindEndpointConfig, e.ConfigName, e.live.config},
		{KindModel, e.ModelName, e.live.model},
	} {
		if st.p == absent || st.name == "" {
			continue
		}
		var arn string
		err := e.c.retrying(ctx, Resource{st.kind, st.name}.String(), func() error {
			var err error
			arn, err = e.c.describeARN(ctx, st.kind, st.name)
			return err
		})
		if err == nil && arn == "" {
			continue // not found
		}
		out = append(out, Resource{Kind: st.kind, Name: st.name})
	}
	return out
}
