package neo

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// CompileAll compiles jobs with at most parallel running at once (parallel
// <= 0 means all at once) and reports each job's outcome: models[i] is job
// i's compiled model, or nil if it did not compile, and err joins every
// failure, each naming its job. One job failing does not stop the others.
//
// Every job is validated first, and job names must be distinct; if any is
// invalid nothing is sent and err joins their *invalid.Errors. Canceling ctx
// stops every running job (see Compile) and starts no new one.
func (c *Compiler) CompileAll(ctx context.Context, jobs []Job, parallel int) ([]*CompiledModel, error) {
	if err := c.built(); err != nil {
		return make([]*CompiledModel, len(jobs)), err
	}
	var invalid []error
	seen := make(map[string]int, len(jobs))
	for i, j := range jobs {
		if err := j.Validate(); err != nil {
			invalid = append(invalid, err)
		} else if err := j.checkRegion(c.opts.Region); err != nil {
			invalid = append(invalid, err)
		}
		if first, dup := seen[j.Name]; dup && j.Name != "" {
			e := j.invalid()
			e.Add("Name", "jobs %d and %d share this name; compilation job names must be unique", first, i)
			invalid = append(invalid, e)
		} else {
			seen[j.Name] = i
		}
	}
	if len(invalid) > 0 {
		return make([]*CompiledModel, len(jobs)), errors.Join(invalid...)
	}
	if parallel <= 0 || parallel > len(jobs) {
		parallel = len(jobs)
	}

	models := make([]*CompiledModel, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for k := i; k < len(jobs); k++ {
				errs[k] = fmt.Errorf("neo: compilation job %s for %s not started: %w", jobs[k].Name, jobs[k].targetName(), ctx.Err())
			}
			wg.Wait()
			return models, errors.Join(errs...)
		}
		wg.Go(func() {
			defer func() { <-sem }()
			m, err := c.Compile(ctx, j)
			if err != nil && errors.Is(err, ctx.Err()) {
				// Compile returns ctx's bare error on cancellation; name the job.
				err = fmt.Errorf("neo: compilation job %s for %s: %w", j.Name, j.targetName(), err)
			}
			models[i], errs[i] = m, err
		})
	}
	wg.Wait()
	return models, errors.Join(errs...)
}
