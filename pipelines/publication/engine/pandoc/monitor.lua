--[[ The Quarto features of the offline publication engine, as one Pandoc Lua filter.

Runs before citeproc, in this order:
  1. conditional content: .content-visible / .content-hidden divs and spans with when-/unless-format
     (html; typst or pdf) and when-/unless-profile (the active Quarto profile, metadata monitor-profile);
  2. callouts (.callout-note/-warning/-important/-tip/-caution; title from title= or a first heading);
  3. section numbers (headings without .unnumbered), figure and table floats (divs #fig-…/#tbl-…, whose last
     paragraph is the caption), numbered per kind in document order;
  4. cross-references @fig-…, @tbl-…, @sec-… -> "Figuur 1" / "Table 2" / "paragraaf 3.1", links in HTML and PDF;
  5. layout divs: .monitor-source (source line), .monitor-small, .monitor-landscape (PDF), .monitor-colophon.
Any other div class fails the render (the source was checked with line numbers before; this catches
generated Markdown).
]]

local stringify = pandoc.utils.stringify
local is_html = FORMAT:match("html") ~= nil
local is_typst = FORMAT:match("typst") ~= nil
local profile = ""
local number_sections = true
local titles = {}    -- section id -> its heading text (cross-reference text when sections are not numbered)
local prefix = { fig = "Figure", tbl = "Table", sec = "Section" }

-- the div classes the engine supports: the list of qmd.py (DIV_CLASSES), passed as metadata monitor-div-classes
local KNOWN_DIVS = {}

local function typst_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

local function raw(text)
  if is_typst then return pandoc.RawBlock("typst", text) end
  return pandoc.RawBlock("html", text)
end

local function raw_inline(text)
  if is_typst then return pandoc.RawInline("typst", text) end
  return pandoc.RawInline("html", text)
end

local function format_matches(value)
  if value == "html" then return is_html end
  if value == "typst" or value == "pdf" then return is_typst end
  error("monitor.lua: unknown format in a condition: " .. value)
end

local function visible(el)
  local attrs = el.attributes
  local conditions = {}
  if attrs["when-format"] then table.insert(conditions, format_matches(attrs["when-format"])) end
  if attrs["unless-format"] then table.insert(conditions, not format_matches(attrs["unless-format"])) end
  if attrs["when-profile"] then table.insert(conditions, attrs["when-profile"] == profile) end
  if attrs["unless-profile"] then table.insert(conditions, attrs["unless-profile"] ~= profile) end
  local all = true
  for _, c in ipairs(conditions) do all = all and c end
  if el.classes:includes("content-hidden") then return not all end
  return all
end

local function conditional(el)
  if el.classes:includes("content-visible") or el.classes:includes("content-hidden") then
    if visible(el) then return el.content end
    return {}
  end
end

-- 2. callouts ---------------------------------------------------------------------------------------
local CALLOUT_COLOURS = { note = "#0072B2", tip = "#009E73", warning = "#D55E00", important = "#CC0000",
  caution = "#D55E00" }
local CALLOUT_TITLES = {
  nl = { note = "Noot", tip = "Tip", warning = "Waarschuwing", important = "Belangrijk", caution = "Let op" },
  en = { note = "Note", tip = "Tip", warning = "Warning", important = "Important", caution = "Caution" },
}

local function callout(el)
  local kind
  for _, c in ipairs(el.classes) do
    local k = c:match("^callout%-(%w+)$")
    if k then kind = k end
  end
  if not kind then return nil end
  local content = pandoc.List(el.content)
  local title
  if el.attributes.title then
    title = pandoc.read(el.attributes.title, "markdown").blocks[1].content
  elseif #content > 0 and content[1].t == "Header" then
    title = content[1].content
    content:remove(1)
  else
    local lang = (profile == "en") and "en" or "nl"
    title = { pandoc.Str(CALLOUT_TITLES[lang][kind]) }
  end
  local colour = CALLOUT_COLOURS[kind]
  local out = pandoc.List()
  if is_typst then
    out:insert(pandoc.RawBlock("typst", "#block(width: 100%, inset: (left: 10pt, rest: 8pt), fill: rgb(\""
      .. colour .. "\").lighten(92%), stroke: (left: 3pt + rgb(\"" .. colour .. "\")), breakable: false)["))
    out:insert(pandoc.Para({ pandoc.Strong(title) }))
    out:extend(content)
    out:insert(pandoc.RawBlock("typst", "]"))
    return out
  end
  local inner = pandoc.List({ pandoc.Div({ pandoc.Plain({ pandoc.Strong(title) }) }, { class = "callout-title" }) })
  inner:extend(content)
  return pandoc.Div(inner, { class = "callout callout-" .. kind, role = "note" })
end

-- 3. numbering -----------------------------------------------------------------------------------------
local numbers = {}   -- id -> "1", "2.1"
local kinds = {}     -- id -> fig|tbl|sec

local function caption_of(blocks)
  local last = blocks[#blocks]
  if last and (last.t == "Para" or last.t == "Plain") then
    local caption = last.content
    blocks:remove(#blocks)
    return caption
  end
  return nil
end

local function contains(block, kinds_wanted)
  local found = false
  pandoc.walk_block(pandoc.Div({ block }), {
    Image = function() found = found or kinds_wanted.image end,
    RawBlock = function(r)
      if r.text:match("monitor%-chart") or r.text:match("#image%(") then found = true end
    end,
    Table = function() found = found or kinds_wanted.table end,
  })
  return found
end

local function float(el, kind, number)
  local content = pandoc.List(el.content)
  local caption = caption_of(content)
  if not caption then
    error("monitor.lua: the float #" .. el.identifier .. " has no caption (its last paragraph)")
  end
  local label = prefix[kind] .. " " .. number
  local out = pandoc.List()
  if is_typst then
    local cap = pandoc.List({ pandoc.RawBlock("typst", "#monitor-caption(kind: \"" .. kind .. "\", label: [" ..
      label .. "])["), pandoc.Plain(caption), pandoc.RawBlock("typst", "] <" .. el.identifier .. ">") })
    if kind == "tbl" then
      local first = content[1]
      if first and first.t == "Div" and first.classes:includes("monitor-landscape") then
        local inner = pandoc.List(cap)  -- the caption goes onto the landscape page, with its table
        inner:extend(first.content)
        first.content = inner
      else
        out:extend(cap)
      end
      out:extend(content)
    else
      local placed = false
      for _, b in ipairs(content) do
        out:insert(b)
        if not placed and contains(b, { image = true }) then out:extend(cap); placed = true end
      end
      if not placed then out:extend(cap) end
    end
    return out
  end
  -- HTML: <div id> holds the float; a figure's image and caption are a <figure> with its <figcaption> last
  -- (valid HTML), the source line, CSV link and table alternative follow inside the div.
  local captag = (kind == "fig") and "figcaption" or "div"
  local cap = pandoc.List({ pandoc.RawBlock("html", "<" .. captag .. " class=\"monitor-caption\">"),
    pandoc.Plain({ pandoc.Strong({ pandoc.Str(label) }), pandoc.Str(":"), pandoc.Space(), table.unpack(caption) }),
    pandoc.RawBlock("html", "</" .. captag .. ">") })
  out:insert(pandoc.RawBlock("html", "<div id=\"" .. el.identifier .. "\" class=\"monitor-float monitor-" .. kind .. "\">"))
  if kind == "tbl" then
    out:extend(cap)
    out:extend(content)
  else
    local placed = false
    for _, b in ipairs(content) do
      if not placed and contains(b, { image = true }) then
        out:insert(pandoc.RawBlock("html", "<figure>"))
        out:insert(b)
        out:extend(cap)
        out:insert(pandoc.RawBlock("html", "</figure>"))
        placed = true
      else
        out:insert(b)
      end
    end
    if not placed then
      out:insert(pandoc.RawBlock("html", "<figure>"))
      out:extend(cap)
      out:insert(pandoc.RawBlock("html", "</figure>"))
    end
  end
  out:insert(pandoc.RawBlock("html", "</div>"))
  return out
end

local function number_document(doc)
  local counters = { fig = 0, tbl = 0 }
  local sections = {}
  local function walk(blocks)
    local out = pandoc.List()
    for _, b in ipairs(blocks) do
      if b.t == "Header" then
        if b.identifier ~= "" then titles[b.identifier] = stringify(b.content) end
        if not number_sections and b.identifier:match("^sec%-") then
          numbers[b.identifier] = ""
        end
        if number_sections and not b.classes:includes("unnumbered") then
          sections[b.level] = (sections[b.level] or 0) + 1
          for l = b.level + 1, 9 do sections[l] = nil end
          local parts = {}
          for l = 1, b.level do table.insert(parts, tostring(sections[l] or 1)) end
          local number = table.concat(parts, ".")
          if b.identifier ~= "" then numbers[b.identifier] = number; kinds[b.identifier] = "sec" end
          if is_html then
            b.content:insert(1, pandoc.Space())
            b.content:insert(1, pandoc.Span({ pandoc.Str(number) }, { class = "header-section-number" }))
          end
        end
        out:insert(b)
      elseif b.t == "Div" then
        local kind = b.identifier:match("^(%a+)%-")
        if kind == "fig" or kind == "tbl" then
          counters[kind] = counters[kind] + 1
          local number = tostring(counters[kind])
          numbers[b.identifier] = number
          kinds[b.identifier] = kind
          b.content = walk(b.content)
          out:extend(float(b, kind, number))
        else
          b.content = walk(b.content)
          out:insert(b)
        end
      else
        out:insert(b)
      end
    end
    return out
  end
  doc.blocks = walk(doc.blocks)
  return doc
end

-- 4. cross-references ------------------------------------------------------------------------------------
local function crossref(cite)
  if #cite.citations ~= 1 then return nil end
  local id = cite.citations[1].id
  local kind = id:match("^(%a+)%-")
  if kind ~= "fig" and kind ~= "tbl" and kind ~= "sec" then return nil end
  if not numbers[id] then
    error("monitor.lua: cross-reference @" .. id .. " points to no " .. kind .. " in this document")
  end
  local text = prefix[kind] .. "\u{00A0}" .. numbers[id]
  if kind == "sec" and numbers[id] == "" then text = titles[id] end
  if is_typst then
    return pandoc.RawInline("typst", "#link(<" .. id .. ">)[" .. text .. "]")
  end
  return pandoc.Link({ pandoc.Str(text) }, "#" .. id, "", { class = "quarto-xref" })
end

-- 5. layout divs -----------------------------------------------------------------------------------------
local TYPST_WRAP = {
  ["monitor-source"] = { "#block(above: 0.5em, below: 1em)[#set text(size: 8.5pt, fill: luma(60))", "]" },
  ["monitor-small"] = { "#[#set text(size: 8pt)", "]" },
  ["monitor-landscape"] = { "#page(flipped: true)[#set text(size: 8pt)", "]" },
  ["monitor-colophon"] = { "#[#set text(size: 9pt)\n#set par(spacing: 0.9em)", "]" },
}

local function check_classes(el)
  for _, c in ipairs(el.classes) do
    if not KNOWN_DIVS[c] then
      error("monitor.lua: div class ." .. c .. " is not supported by the offline publication engine")
    end
  end
end

local function layout(el)
  for _, c in ipairs(el.classes) do
    local wrap = TYPST_WRAP[c]
    if wrap then
      if is_typst then
        local out = pandoc.List({ pandoc.RawBlock("typst", wrap[1]) })
        out:extend(el.content)
        out:insert(pandoc.RawBlock("typst", wrap[2]))
        return out
      end
      return el
    end
  end
end

-- 6. tables: columns sized by their content (no squeezed columns), left-aligned unless numeric ---------------
-- Long words (file paths, identifiers, breakdowns such as sector=bouw) may break after _ / . - = so they never
-- run into the next column.
local function breakable(str)
  if utf8.len(str.text) and utf8.len(str.text) > 15 then
    str.text = str.text:gsub("([_/%.%-=])", "%1\u{200B}")
    return str
  end
end

local function table_columns(tbl)
  for i, spec in ipairs(tbl.colspecs) do
    local align = spec[1]
    if align == "AlignDefault" then align = "AlignLeft" end
    tbl.colspecs[i] = { align, nil }
  end
  return pandoc.walk_block(tbl, { Str = breakable })
end

return {
  { Meta = function(meta)
      profile = meta["monitor-profile"] and stringify(meta["monitor-profile"]) or ""
      for _, c in ipairs(meta["monitor-div-classes"] or {}) do KNOWN_DIVS[stringify(c)] = true end
      if meta["number-sections"] ~= nil then number_sections = meta["number-sections"] == true end
      local crossref_meta = meta.crossref or {}
      for _, k in ipairs({ "fig", "tbl", "sec" }) do
        if crossref_meta[k .. "-prefix"] then prefix[k] = stringify(crossref_meta[k .. "-prefix"]) end
      end
    end },
  { Div = conditional, Span = conditional },
  { Div = check_classes },
  { Div = callout },
  { Pandoc = number_document },
  { Cite = crossref },
  { Div = layout },
  { Table = table_columns },
}
