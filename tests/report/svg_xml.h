// Test helper: parses an SVG document with expat, so that a test fails on anything a
// browser would refuse (unbalanced tags, bad escapes), and collects what a test checks.
#pragma once

#include <expat.h>

#include <map>
#include <string>
#include <vector>

namespace hcbench::testing_svg {

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text; // character data directly inside the element
};

struct ParsedSvg {
  bool well_formed = false;
  std::string error;
  std::vector<Element> elements; // document order

  std::vector<std::string> attribute_values(const std::string& element,
                                            const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& e : elements) {
      if (e.name != element) continue;
      const auto it = e.attributes.find(name);
      if (it != e.attributes.end()) out.push_back(it->second);
    }
    return out;
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& e : elements) {
      if (e.name == "text" || e.name == "title") out.push_back(e.text);
    }
    return out;
  }
  bool has_text(const std::string& needle) const {
    for (const auto& t : texts()) {
      if (t.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::size_t count(const std::string& element) const {
    std::size_t n = 0;
    for (const auto& e : elements) n += e.name == element;
    return n;
  }
};

inline ParsedSvg parse_svg(const std::string& text) {
  struct State {
    ParsedSvg result;
    std::vector<std::size_t> open;
  } state;
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(
      parser,
      [](void* data, const XML_Char* name, const XML_Char** attributes) {
        auto& s = *static_cast<State*>(data);
        Element e;
        e.name = name;
        for (int i = 0; attributes[i] != nullptr; i += 2)
          e.attributes[attributes[i]] = attributes[i + 1];
        s.open.push_back(s.result.elements.size());
        s.result.elements.push_back(std::move(e));
      },
      [](void* data, const XML_Char*) { static_cast<State*>(data)->open.pop_back(); });
  XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* chars, int length) {
    auto& s = *static_cast<State*>(data);
    // Text belongs to every open element, so a <text> split into <tspan> lines reads whole.
    for (auto index : s.open) {
      s.result.elements[index].text.append(chars, static_cast<std::size_t>(length));
    }
  });
  const bool ok = XML_Parse(parser, text.data(), static_cast<int>(text.size()), 1) == XML_STATUS_OK;
  state.result.well_formed = ok;
  if (!ok) {
    state.result.error = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
                         std::to_string(XML_GetCurrentLineNumber(parser));
  }
  XML_ParserFree(parser);
  return state.result;
}

} // namespace hcbench::testing_svg
