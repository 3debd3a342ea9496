# Writes OUT (hearth.1), the man page, from the binary's own help texts:
# help2man turns `hearth --help` into NAME/SYNOPSIS/DESCRIPTION, and
# `hearth serve --help` (every server setting with its variable and default)
# becomes the SERVER OPTIONS section, so the page cannot drift from the code.
# In: HEARTH (the binary), HELP2MAN, VERSION, SRC, OUT.
execute_process(COMMAND ${HEARTH} serve --help OUTPUT_VARIABLE serve RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hearth serve --help failed")
endif()
# troff: a backslash is \e; a line starting with . or ' is a request unless \&-escaped
string(REPLACE "\\" "\\e" serve "${serve}")
string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" serve "${serve}")
get_filename_component(dir ${OUT} DIRECTORY)
set(inc ${dir}/hearth.h2m)
file(WRITE ${inc} "[SERVER OPTIONS]\n.nf\n${serve}.fi\n")
file(READ ${SRC}/packaging/manpage.h2m extra)
file(APPEND ${inc} "${extra}")
execute_process(
  COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${VERSION}
          --name=a\ viewer\ for\ pprof\ profiles --section=1 --include=${inc} --output=${OUT}
          ${HEARTH}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed")
endif()
