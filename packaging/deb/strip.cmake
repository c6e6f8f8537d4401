# strip.cmake - run by CPack (CPACK_PRE_BUILD_SCRIPTS) on the staged files
# before it packs them: what Debian's dh_strip does, which CPack's own
# CPACK_STRIP_FILES (plain `strip`) does not: drop the .comment and .note
# sections everywhere, and debug symbols from the static library.
find_program(PT_STRIP NAMES strip REQUIRED)
file(GLOB_RECURSE objects
  "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/usr/bin/*"
  "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/usr/lib/*.so.*"
  "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/usr/lib/*.a")
foreach(f IN LISTS objects)
  if(IS_SYMLINK "${f}")
    continue()
  endif()
  set(args --remove-section=.comment --remove-section=.note)
  if(f MATCHES "\\.a$")
    list(APPEND args --strip-debug)
  elseif(f MATCHES "\\.so\\.")
    list(APPEND args --strip-unneeded)
  endif()
  execute_process(COMMAND "${PT_STRIP}" ${args} "${f}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "strip ${args} ${f} failed")
  endif()
endforeach()
