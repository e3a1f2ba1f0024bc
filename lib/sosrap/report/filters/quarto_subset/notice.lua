--[[
notice.lua -- the #sosrap-notice block goes right after the title block.
]]

local is_html_format = require('quarto_subset.common').is_html_format

local function extract_notice(doc)
  local notice
  doc.blocks = doc.blocks:walk({
    Div = function(div)
      if div.identifier == 'sosrap-notice' and not notice then
        notice = div
        return {}
      end
    end,
  })
  if not notice then return doc end
  if is_html_format() or FORMAT:match('typst') then
    -- The template prints $sosrap-notice$ between the title block and the TOC.
    doc.meta['sosrap-notice'] = pandoc.MetaBlocks({ notice })
  else
    table.insert(doc.blocks, 1, notice)
  end
  return doc
end

return {
  extract_notice = extract_notice,
}
