// Whole-file reads for tests.
#ifndef CAIRN_TESTS_SUPPORT_FILES_H_
#define CAIRN_TESTS_SUPPORT_FILES_H_

#include <fstream>
#include <iterator>
#include <string>

namespace cairn::testing {

// The file's contents; empty when it cannot be read.
inline std::string ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_FILES_H_
