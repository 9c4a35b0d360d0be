package sagebench

import (
	"context"

	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/internal/catalog"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/loadjob"
)

// Processing runs a study's load as a SageMaker Processing job in the endpoint's account
// and region (Study.LoadOn), on Count instances of InstanceType, instead of in the
// process that calls Run. A closed loop of N clients gives N / (latency + round trip):
// from a client 80 ms away, an endpoint answering in 53 ms reads 40% of its throughput.
// Loading from the endpoint's region removes the distance, and Count instances drive
// what one machine cannot. Each instance runs its bench.Split share of Study.Load and the
// shards' Results are merged exactly (see package loadjob). Study.Accept travels with the
// load; Study.Check does not (a function cannot): on a processing job, answers count as
// successes by their status alone.
type Processing struct {
	// InstanceType is a processing instance type [ml.c5.xlarge]; Count is 1 to 100 [1].
	InstanceType string
	Count        int
	// Image is the container image the worker runs on: any image the role may pull that
	// has /bin/sh [the SageMaker scikit-learn image 1.2-1 of the region, as the Python
	// SDK's image_uris.retrieve("sklearn", region, "1.2-1") resolves it].
	Image string
	// Worker is the path of a linux/amd64 sagebench-worker binary; empty builds one with
	// loadjob.BuildWorker from the calling module (the go command must be installed).
	Worker string
	// Prices prices the processing instances for the budget (cost.Refresh with
	// RefreshOptions.Component: cost.Processing). Nil leaves them unpriced: the estimate
	// is then unknown, never a guess.
	Prices *cost.Table

	// PollInterval, StartDelay and ReadyTimeout tune the job (see loadjob.Job).
	PollInterval, StartDelay, ReadyTimeout time.Duration
}

// startup is the billed time of a processing job beyond its load: instances, image pull
// and downloads (a few minutes), with a margin.
const processingStartup = 5 * time.Minute

func (p *Processing) instanceType() string { return orDefault(p.InstanceType, "ml.c5.xlarge") }
func (p *Processing) count() int {
	if p.Count == 0 {
		return 1
	}
	return p.Count
}

// ProcessingImageVersion is the scikit-learn container version whose image a
// Processing load runs on when Processing.Image is empty.
const ProcessingImageVersion = "1.2-1"

// image is the job's image in region.
func (p *Processing) image(region string) (string, error) {
	if p.Image != "" {
		return p.Image, nil
	}
	img, err := catalog.Resolve(catalog.Request{Framework: catalog.SKLearn, Version: ProcessingImageVersion,
		InstanceType: p.instanceType(), Region: region, PyVersion: "py3"})
	if err != nil {
		return "", fmt.Errorf("no default image (set Processing.Image): %w", err)
	}
	return img.URI, nil
}

// where says where the load runs, as Events and the report say it.
func (p *Processing) where(region string) string {
	return loadjob.Where(p.count(), p.instanceType(), region)
}

// loadOnProblems adds to e what is wrong with Study.LoadOn, each problem under the
// Processing field at fault ("LoadOn.InstanceType", "LoadOn.Count", "LoadOn.Image"), or
// "LoadOn" for the combination with a Sweep.
func (s *Study) loadOnProblems(e *invalid.Error, region string) {
	p := s.LoadOn
	if p == nil {
		return
	}
	var ie *invalid.Error
	if errors.As(loadjob.ValidateProcessing(p.instanceType(), p.count()), &ie) {
		for _, q := range ie.Problems {
			field := "LoadOn.InstanceType"
			if q.Field == "InstanceCount" {
				field = "LoadOn.Count"
			}
			e.Add(field, "LoadOn: %s", q.Message)
		}
	}
	if _, err := p.image(region); err != nil && region != "" {
		e.Add("LoadOn.Image", "LoadOn: %v", err)
	}
	if s.Sweep != nil {
		e.Add("LoadOn", "LoadOn: a Sweep runs here only; measure with Load alone on a processing job")
	}
	if _, err := bench.Split(s.Load, p.count()); err != nil {
		e.Add("LoadOn.Count", "LoadOn: %v", err)
	}
}

// loadOnLine is the processing job's share of the estimate for one candidate: Count
// instances for the load and their startup.
func (s *Study) loadOnLine(region, candidate string) (BillLine, bool) {
	p := s.LoadOn
	if p == nil {
		return BillLine{}, false
	}
	l := BillLine{Candidate: candidate + " (load on processing)", InstanceType: p.instanceType(),
		Hours: (processingStartup + s.loadBound()).Hours(), Instances: p.count()}
	if p.Prices == nil {
		l.NoPrice = "no processing price table (Processing.Prices)"
	} else if price, err := p.Prices.Lookup(region, l.InstanceType); err != nil {
		l.NoPrice = err.Error()
	} else {
		l.USDPerHour, l.PriceSource = price.USDPerHour, price.Provenance()
	}
	l.USD = l.Hours * l.USDPerHour * float64(l.Instances)
	return l, true
}

// loadOn measures candidate c's endpoint with a Processing job.
func (r *run) loadOn(ctx context.Context, c Candidate, inv bench.Invoker, out *Outcome) error {
	named, ok := inv.(interface{ Endpoint() string })
	if !ok {
		return errors.New("sagebench: LoadOn needs the endpoint's name")
	}
	p := r.s.LoadOn
	cfg := r.cfg
	cfg.Region = r.plan.Region
	where := p.where(cfg.Region)
	image, err := p.image(cfg.Region)
	if err != nil {
		return err
	}
	r.emit(Event{Kind: EventLoadStarting, Candidate: c.Name, Reason: where})
	o, err := loadjob.Run(ctx, cfg, loadjob.Job{
		Endpoint: named.Endpoint(), Load: r.s.Load, Accept: orDefault(r.s.Accept, "application/json"),
		InstanceType: p.instanceType(), InstanceCount: p.count(), RoleARN: r.s.RoleARN, Image: image,
		S3URI: "s3://" + r.bucket + "/" + r.prefix + "/load", Worker: p.Worker,
		Journal: r.s.Journal, RunID: r.client.RunID(),
		PollInterval: p.PollInterval, StartDelay: p.StartDelay, ReadyTimeout: p.ReadyTimeout,
		Progress: func(lp loadjob.Progress) {
			s := lp.Total // P99 there is the highest shard's, a bound for a live display
			r.emit(Event{Kind: EventMeasuring, Candidate: c.Name, Snapshot: &s})
		},
	})
	if o != nil {
		out.LoadRanOn = o.Where + " (SageMaker Processing job " + o.JobName + ")"
	}
	if err != nil {
		return fmt.Errorf("load on %s: %w", where, err)
	}
	out.Result = o.Shards.Result
	if !o.Shards.Complete() {
		out.LoadRanOn += fmt.Sprintf("; incomplete: shards %v never reported", o.Shards.Missing)
	}
	return nil
}

// processingPriced returns s itself unless its load runs on a processing job without
// Processing.Prices while its prices come from the Price List: then a copy whose
// LoadOn.Prices are the Price List's processing prices for the region (the download
// Refresh cached for the hosting prices holds them). Without them, the processing
// instances stay unpriced.
func (s *Study) processingPriced(ctx context.Context, cfg aws.Config) *Study {
	if s.LoadOn == nil || s.LoadOn.Prices != nil || s.Prices == nil || s.Prices.Name() != cost.PriceListTable {
		return s
	}
	pl := s.PriceList
	ctx, cancel := context.WithTimeout(ctx, orDuration(pl.Timeout, 30*time.Second))
	defer cancel()
	t, err := cost.Refresh(ctx, func(o *cost.RefreshOptions) {
		o.Regions, o.BaseURL = []string{orDefault(s.Region, cfg.Region)}, pl.BaseURL
		o.Client, o.CacheDir, o.MaxAge, o.Component = pl.Client, pl.CacheDir, pl.MaxAge, cost.Processing
	})
	if err != nil {
		return s
	}
	c, p := *s, *s.LoadOn
	p.Prices, c.LoadOn = t, &p
	return &c
}
