// Fast same-dtype copy between strided views (see copy_strided.cc).
#pragma once
#include "nr/view.h"

namespace nr {

// dst and src have the same shape and dtype (src may broadcast via 0 strides). Returns false when
// the case is not handled (different dtypes, odd element size); the caller falls back.
bool copy_same_dtype_strided(const View& dst, const View& src);

}  // namespace nr
