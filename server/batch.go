package server

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/strictjson"
)

// batch.go serves batched requests: a POST whose body is a JSON array of
// request objects, as Apollo's BatchHttpLink sends. The answer is a JSON
// array of the same length, each operation's response in its place, in
// order; operations run one after the other, so that a mutation's write
// is seen by the operations after it. A batch holds at most
// Config.MaxBatch operations, and their costs (schema's cost estimate)
// together stay within the API's MaxCost: an operation that would take
// the total over it is answered with COST_LIMIT_EXCEEDED and not run. A
// mutation in a batch needs the write token, as alone; one without it is
// answered FORBIDDEN and the others still run. The batch as a whole
// takes one of the server's request slots and answers 200: each
// operation's outcome is in its own response.

// parseBatch reads the request objects of a batch.
func (s *Server) parseBatch(body []byte) ([]gqlRequest, error) {
	var raws []json.RawMessage
	if err := strictjson.Decode(body, &raws); err != nil {
		return nil, badRequest("malformed JSON body: %v", err)
	}
	switch {
	case len(raws) == 0:
		return nil, badRequest("empty batch: send at least one request object in the array")
	case len(raws) > s.cfg.MaxBatch:
		return nil, blurline.Errorf(blurline.ErrLimit, "the batch holds %d operations, over the limit of %d: send fewer per request", len(raws), s.cfg.MaxBatch)
	}
	reqs := make([]gqlRequest, len(raws))
	for i, raw := range raws {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] != '{' {
			return nil, badRequest("batch entry %d must be a JSON object with a \"query\"", i)
		}
		req, herr := parseRequestObject(raw)
		if herr != nil {
			kind, _ := blurline.KindOf(herr)
			return nil, &blurline.Error{Kind: kind, Field: "batch", Index: i, Message: blurline.Public(herr), Err: herr}
		}
		reqs[i] = req
	}
	return reqs, nil
}

// serveBatch answers the operations of a batch in order.
func (s *Server) serveBatch(r *http.Request, media string, reqs []gqlRequest) reply {
	s.metrics.batchSize.Observe(float64(len(reqs)))
	budget := s.api.Limits().MaxCost
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, req := range reqs {
		if i > 0 {
			buf.WriteByte(',')
		}
		rp := s.answer(r.Context(), r, media, req, &budget)
		buf.Write(bytes.TrimRight(rp.body, "\n"))
	}
	buf.WriteString("]\n")
	if int64(buf.Len()) > s.cfg.MaxResponseBytes {
		return s.refusal(r, blurline.Errorf(blurline.ErrResponseTooLarge,
			"the batch's responses would be %d bytes together, over the limit of %d: send fewer or smaller operations", buf.Len(), s.cfg.MaxResponseBytes))
	}
	return reply{status: http.StatusOK, body: buf.Bytes()}
}
