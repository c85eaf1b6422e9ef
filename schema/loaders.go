package schema

import "context"

// withLoaders attaches per-request batch loaders to ctx.
func withLoaders(ctx context.Context, g Graph) context.Context { return ctx }
