// Request-builder bugs the wire proof (wire_proof_test.cpp) found in real specs, one test each.
#include <gtest/gtest.h>

#include <mcp/core/encoding.hpp>

#include "sources/openapi/request.hpp"

using namespace mcp;
using namespace mcp::openapi;

namespace {

Operation upload_op(std::string schema) {
  Operation op;
  op.tool_name = "upload";
  op.method = "PUT";
  op.path = "/files";
  op.servers.push_back(ServerUrl{"https://api.example.com", {}});
  op.body = Body{"multipart/form-data", false, json::parse(schema).as_object(), {BodyField{"filename", "filename", false}},
                 "", {}};
  return op;
}

}  // namespace

// @readme/oas-examples 3.0 file-uploads.json, PUT /anything/multipart-formdata: an array of
// files ({type: array, items: {format: binary}}) went out as the base64 text of each item;
// each item is a file part with the decoded bytes.
TEST(OpenApiRequestFixes, MultipartArrayOfFilesSendsBytes) {
  for (auto* items : {R"({"type":"string","format":"binary"})", R"({"type":"string","contentEncoding":"base64"})",
                      R"({"type":"string","contentMediaType":"image/png"})"}) {
    auto op = upload_op(std::string(R"({"type":"object","properties":{"filename":{"type":"array","items":)") + items + "}}}");
    std::string a("\x00\x01png", 5), b("\xff\xfe", 2);
    auto r = build_request(op, {{"filename", json::array{base64_encode(a), base64_encode(b)}}}, {});
    ASSERT_TRUE(r) << r.error().message;
    for (auto& bytes : {a, b})
      EXPECT_NE(r->body.find("name=\"filename\"; filename=\"filename\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
                             bytes + "\r\n"),
                std::string::npos)
          << items << ": " << r->body;
    EXPECT_EQ(r->body.find(base64_encode(a)), std::string::npos) << items;
  }
  // An array of plain strings is still one text part per item.
  auto op = upload_op(R"({"type":"object","properties":{"filename":{"type":"array","items":{"type":"string"}}}})");
  auto r = build_request(op, {{"filename", json::array{"a b", "c"}}}, {});
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("name=\"filename\"\r\n\r\na b\r\n"), std::string::npos);
}
