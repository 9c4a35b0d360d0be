package sagemakertest

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// serveS3 hands a request to gofakes3 after undoing the aws-chunked content
// encoding that recent SDKs use to send checksum trailers, which gofakes3
// does not understand.
func (s *Server) serveS3(w http.ResponseWriter, r *http.Request) {
	// S3 names its request ID x-amz-request-id.
	w.Header()["X-Amz-Request-Id"] = w.Header()[requestIDHeader]
	w.Header().Del(requestIDHeader)
	if strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
		strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		body, err := decodeAWSChunked(r.Body)
		if err != nil {
			http.Error(w, "sagemakertest: decoding aws-chunked body: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		r.Header.Del("X-Amz-Decoded-Content-Length")
		r.Header.Del("X-Amz-Trailer")
		var enc []string
		for _, e := range strings.Split(r.Header.Get("Content-Encoding"), ",") {
			if e = strings.TrimSpace(e); e != "" && e != "aws-chunked" {
				enc = append(enc, e)
			}
		}
		if len(enc) == 0 {
			r.Header.Del("Content-Encoding")
		} else {
			r.Header.Set("Content-Encoding", strings.Join(enc, ","))
		}
	}
	if r.Method == http.MethodPut || r.Method == http.MethodPost {
		dropRequestOnlyHeaders(r.Header)
	}
	if r.Method == http.MethodGet && r.URL.Query().Has("uploads") {
		s.listMultipartUploads(w, r)
		return
	}
	s.s3.ServeHTTP(w, r)
}

// listMultipartUploads serves ListMultipartUploads through gofakes3, except that
// an existing bucket where no multipart upload was ever started gets S3's answer,
// an empty list, instead of gofakes3's 404 NoSuchUpload. (A missing bucket is
// still NoSuchBucket: gofakes3 checks that first.)
func (s *Server) listMultipartUploads(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	s.s3.ServeHTTP(rec, r)
	if rec.Code == http.StatusNotFound && bytes.Contains(rec.Body.Bytes(), []byte("<Code>NoSuchUpload</Code>")) {
		bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		q := r.URL.Query()
		var b bytes.Buffer
		b.WriteString(xml.Header)
		_ = xml.NewEncoder(&b).Encode(gofakes3.ListMultipartUploadsResult{
			Bucket:     bucket,
			Prefix:     q.Get("prefix"),
			Delimiter:  q.Get("delimiter"),
			KeyMarker:  q.Get("key-marker"),
			MaxUploads: gofakes3.DefaultMaxUploads,
		})
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b.Bytes())
		return
	}
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// decodeAWSChunked reads a body framed as "<hex size>[;chunk-signature=...]\r\n
// <data>\r\n" chunks ending with a zero-size chunk and optional trailers,
// which are dropped (their checksums are not verified).
func decodeAWSChunked(r io.Reader) ([]byte, error) {
	br := bufio.NewReader(r)
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("reading chunk header: %w", err)
		}
		sizeText, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(sizeText, 16, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad chunk size %q", sizeText)
		}
		if n == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, br, n); err != nil {
			return nil, fmt.Errorf("reading %d-byte chunk: %w", n, err)
		}
		if _, err := br.Discard(2); err != nil {
			return nil, fmt.Errorf("reading chunk end: %w", err)
		}
	}
}

// parseS3URL splits s3://bucket/key.
func parseS3URL(u string) (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, key, _ = strings.Cut(rest, "/")
	return bucket, key, bucket != ""
}

func (s *Server) objectExists(bucket, key string) bool {
	if key == "" {
		return false
	}
	obj, err := s.backend.HeadObject(bucket, key)
	return err == nil && obj != nil
}

func (s *Server) readObject(bucket, key string) ([]byte, error) {
	obj, err := s.backend.GetObject(bucket, key, nil)
	if err != nil {
		return nil, err
	}
	defer obj.Contents.Close()
	return io.ReadAll(obj.Contents)
}

// PutObject stores data in the emulated S3, creating the bucket if needed.
// Tests use it to seed model archives without going through an S3 client.
func (s *Server) PutObject(bucket, key string, data []byte) error {
	if ok, _ := s.backend.BucketExists(bucket); !ok {
		if err := s.backend.CreateBucket(bucket); err != nil && !gofakes3.HasErrorCode(err, gofakes3.ErrBucketAlreadyExists) {
			return fmt.Errorf("sagemakertest: creating bucket %q: %w", bucket, err)
		}
	}
	if _, err := s.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		return fmt.Errorf("sagemakertest: putting s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// Object is one object in the emulated S3.
type Object struct {
	Bucket, Key string
	Size        int64
}

// URL returns the object's s3:// URL.
func (o Object) URL() string { return "s3://" + o.Bucket + "/" + o.Key }

// Objects lists every object in every bucket of the emulated S3, sorted by
// bucket and key.
func (s *Server) Objects() []Object {
	buckets, err := s.backend.ListBuckets()
	if err != nil {
		return nil
	}
	var out []Object
	for _, b := range buckets {
		list, err := s.backend.ListBucket(b.Name, nil, gofakes3.ListBucketPage{})
		if err != nil {
			continue
		}
		for _, c := range list.Contents {
			out = append(out, Object{Bucket: b.Name, Key: c.Key, Size: c.Size})
		}
	}
	return out
}

// Upload is a multipart upload in progress in the emulated S3: started, not yet
// completed or aborted. S3 stores (and bills) its parts until one of the two.
type Upload struct {
	Bucket, Key, UploadID string
	Initiated             time.Time
}

// MultipartUploads lists the multipart uploads in progress in every bucket of the
// emulated S3, sorted by bucket and key. It reads them through the emulator's own
// ListMultipartUploads, page by page.
func (s *Server) MultipartUploads() []Upload {
	buckets, err := s.backend.ListBuckets()
	if err != nil {
		return nil
	}
	var out []Upload
	for _, b := range buckets {
		q := url.Values{"uploads": {""}}
		for {
			rec := httptest.NewRecorder()
			s.s3.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+url.PathEscape(b.Name)+"?"+q.Encode(), nil))
			var page struct {
				IsTruncated        bool
				NextKeyMarker      string
				NextUploadIDMarker string `xml:"NextUploadIdMarker"`
				Uploads            []struct {
					Key       string
					UploadID  string `xml:"UploadId"`
					Initiated time.Time
				} `xml:"Upload"`
			}
			if rec.Code != http.StatusOK || xml.Unmarshal(rec.Body.Bytes(), &page) != nil {
				break // gofakes3's NoSuchUpload: no upload ever began in this bucket
			}
			for _, u := range page.Uploads {
				out = append(out, Upload{b.Name, u.Key, u.UploadID, u.Initiated})
			}
			if !page.IsTruncated || page.NextKeyMarker == "" {
				break
			}
			q.Set("key-marker", page.NextKeyMarker)
			q.Set("upload-id-marker", page.NextUploadIDMarker)
		}
	}
	slices.SortStableFunc(out, func(a, b Upload) int {
		return cmp.Or(strings.Compare(a.Bucket, b.Bucket), strings.Compare(a.Key, b.Key))
	})
	return out
}

// dropRequestOnlyHeaders removes the headers that sign or checksum a write
// request: gofakes3 stores every X-Amz-* header of a PutObject as the
// object's metadata and plays it back on HeadObject and GetObject, but S3
// returns none of them (its responses carry the object's metadata,
// x-amz-meta-*, and the headers the API reference lists for the operation).
func dropRequestOnlyHeaders(h http.Header) {
	for k := range h {
		switch {
		case k == "X-Amz-Date", k == "X-Amz-Content-Sha256", k == "X-Amz-Security-Token",
			k == "X-Amz-User-Agent", k == "X-Amz-Trailer", k == "X-Amz-Sdk-Checksum-Algorithm",
			strings.HasPrefix(k, "X-Amz-Checksum-"), strings.HasPrefix(k, "Amz-Sdk-"):
			h.Del(k)
		}
	}
}
