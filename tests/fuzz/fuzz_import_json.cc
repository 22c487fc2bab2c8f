// Fuzzes one line of `cairn lesson import` (a cairn.v1.Lesson in JSON); see import_line_fuzz.h.
#include "tests/fuzz/import_line_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return cairn::fuzz::FuzzImportLine(data, size, cairn::client::ImportFormat::kLessons);
}
