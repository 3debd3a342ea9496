# Run by `cmake --install` (install(CODE) in CMakeLists.txt): writes the
# systemd unit with the paths of this install prefix, so the installed unit
# runs the installed binary and reads the installed defaults file.
# In: HEARTH_SRC (source directory). CMAKE_INSTALL_PREFIX is the prefix of
# this install (--prefix), DESTDIR (if any) is prepended to what is written.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" OR CMAKE_INSTALL_PREFIX STREQUAL "/")
  set(HEARTH_DEFAULTS_FILE "/etc/default/hearth")
else()
  set(HEARTH_DEFAULTS_FILE "${CMAKE_INSTALL_PREFIX}/etc/default/hearth")
endif()
string(REGEX REPLACE "/+$" "" prefix "${CMAKE_INSTALL_PREFIX}")
set(HEARTH_BINARY "${prefix}/bin/hearth")
set(unitdir "$ENV{DESTDIR}${prefix}/lib/systemd/system")
configure_file(${HEARTH_SRC}/packaging/hearth.service.in ${unitdir}/hearth.service @ONLY)
message(STATUS "Installing: ${unitdir}/hearth.service")
get_filename_component(defdir "$ENV{DESTDIR}${HEARTH_DEFAULTS_FILE}" DIRECTORY)
if(NOT EXISTS "$ENV{DESTDIR}${HEARTH_DEFAULTS_FILE}")
  # never overwrite an operator's settings
  file(INSTALL ${HEARTH_SRC}/packaging/hearth.default DESTINATION ${defdir}
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE)
  file(RENAME ${defdir}/hearth.default $ENV{DESTDIR}${HEARTH_DEFAULTS_FILE})
  message(STATUS "Installing: $ENV{DESTDIR}${HEARTH_DEFAULTS_FILE}")
else()
  message(STATUS "Kept: $ENV{DESTDIR}${HEARTH_DEFAULTS_FILE}")
endif()
